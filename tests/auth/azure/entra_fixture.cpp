#include "auth/azure/entra_fixture.hpp"

#include <cstdlib>

#include "core/json.hpp"
#include "http/http.hpp"

namespace cloudsync::test {

SelfSignedCertificate make_certificate(const std::filesystem::path& dir, const std::string& name) {
  SelfSignedCertificate out{dir / (name + "-cert.pem"), dir / (name + "-key.pem"), dir / (name + "-both.pem")};
  const std::filesystem::path log = dir / (name + "-openssl.log");
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      out.key.string() + "' -out '" + out.cert.string() + "' >'" + log.string() + "' 2>&1";
  INFO(command);
  int rc = std::system(command.c_str());
  INFO(read_file(log));
  REQUIRE(rc == 0);
  write_file(out.both, read_file(out.cert) + read_file(out.key));
  return out;
}

namespace {

PeerSpec standin_spec(const EntraStandinOptions& options) {
  PeerSpec spec;
  spec.name = "entra_standin";
  spec.command = {"python3",
                  "{peers}/entra_standin.py",
                  "{port}",
                  "{dir}",
                  "--tenant",
                  kEntraTenant,
                  "--client-id",
                  kEntraClient,
                  "--client-secret",
                  kEntraSecret,
                  "--identity-header",
                  kIdentityHeader,
                  "--managed-client-id",
                  kManagedClient,
                  "--lifetime",
                  std::to_string(options.lifetime_seconds)};
  if (!options.client_certificate.empty()) {
    spec.command.push_back("--cert");
    spec.command.push_back(options.client_certificate);
  }
  if (!options.federated_file.empty()) {
    spec.command.push_back("--federated-file");
    spec.command.push_back(options.federated_file);
  }
  return spec;
}

rapidjson::Document stats(const std::string& url) {
  auto transport = http::make_curl_transport(http::ClientOptions{});
  http::Request request;
  request.url = url + "/stats";
  auto response = transport->send(request, nullptr, {});
  REQUIRE_OK(response);
  REQUIRE(response->status == 200);
  auto doc = parse_json(response->body, "stand-in stats");
  REQUIRE_OK(doc);
  return std::move(doc).value();
}

std::vector<std::string> strings(const std::string& url, const char* field) {
  rapidjson::Document doc = stats(url);
  std::vector<std::string> out;
  for (const auto& v : doc[field].GetArray()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

}  // namespace

EntraStandin::EntraStandin(const EntraStandinOptions& options) : server_(standin_spec(options)) {}

int EntraStandin::issued(const std::string& method) const {
  rapidjson::Document doc = stats(url());
  return doc[method.c_str()].GetInt();
}

std::vector<std::string> EntraStandin::federated_tokens() const { return strings(url(), "federated_tokens"); }

std::vector<std::string> EntraStandin::rejections() const { return strings(url(), "rejected"); }

auth::EnvLookup fake_environment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace cloudsync::test
