// SigV4 signatures per second through the real signer (auth::SigV4Signer in
// S3 mode), on the request shape the S3 backend sends for a ranged GET of an
// object: host, x-amz-content-sha256, x-amz-date and Range signed, a query
// string, a key that needs percent-encoding. Plain std::chrono timing.
//
//   cloudsync_bench_sigv4 [SECONDS=2]   prints "<signatures/s> signatures/s (N in T s)"
//
// bench/sigv4_botocore.py signs the same request with botocore's S3SigV4Auth.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "auth/aws/sigv4.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The request as S3Client::build() hands it to the signer.
cloudsync::http::Request make_request() {
  cloudsync::http::Request request;
  request.method = "GET";
  request.url = "https://127.0.0.1:19002/bench/" + cloudsync::auth::uri_encode_s3_key("data/2026/report final.csv") +
                "?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY";
  request.headers.set("Range", "bytes=0-8388607");
  request.headers.set("x-amz-content-sha256", cloudsync::auth::kUnsignedPayload);
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (seconds <= 0) seconds = 2.0;
  cloudsync::auth::AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  cloudsync::auth::SigV4Signer signer(credentials, "us-east-1", "s3", cloudsync::auth::SigV4Mode::S3);
  const cloudsync::http::Request base = make_request();

  // A copy per signature, as every attempt of a request is signed afresh.
  auto sign_once = [&]() -> bool {
    cloudsync::http::Request request = base;
    return signer.sign(request, std::chrono::system_clock::now()).ok();
  };
  for (int i = 0; i < 1000; ++i) {
    if (!sign_once()) {
      std::fprintf(stderr, "signing failed\n");
      return 1;
    }
  }
  uint64_t count = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  Clock::time_point now = start;
  while (now < deadline) {
    for (int i = 0; i < 256; ++i) {
      if (!sign_once()) return 1;
    }
    count += 256;
    now = Clock::now();
  }
  double elapsed = std::chrono::duration<double>(now - start).count();
  std::printf("%.0f signatures/s (%llu in %.2f s)\n", static_cast<double>(count) / elapsed,
              static_cast<unsigned long long>(count), elapsed);
  return 0;
}
