// The libcurl transport: one easy handle per thread per transport (kept for
// keep-alive, never shared between threads), streamed request and response
// bodies, stall detection instead of a total timeout, and curl errors mapped to
// ErrorCodes with the method and the redacted URL in the message.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "cloudsync/user_agent.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "http/internal.hpp"

namespace cloudsync::http {

namespace {

std::atomic<int> g_live_handles{0};

void init_curl_once() {
  static std::once_flag once;
  // curl_global_init is reference counted, so a host that initialised libcurl
  // itself is not disturbed. We never call curl_global_cleanup: the library
  // cannot know when the host is done with libcurl.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---------------------------------------------------------------------------
// Handle ownership. A transport owns a HandlePool; each thread caches its own
// handle per pool. Whoever goes first frees the handle: the thread when it
// exits (if the pool still lives), the pool when the transport dies.

class HandlePool {
 public:
  HandlePool() : id_(next_id_.fetch_add(1)) {}
  ~HandlePool() {
    for (CURL* handle : handles_) destroy(handle);
  }
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  uint64_t id() const noexcept { return id_; }

  CURL* acquire_new() {
    CURL* handle = curl_easy_init();
    if (handle == nullptr) return nullptr;
    ++g_live_handles;
    std::lock_guard lock(mutex_);
    handles_.insert(handle);
    return handle;
  }

  void release(CURL* handle) {
    {
      std::lock_guard lock(mutex_);
      if (handles_.erase(handle) == 0) return;
    }
    destroy(handle);
  }

  static void destroy(CURL* handle) {
    curl_easy_cleanup(handle);
    --g_live_handles;
  }

 private:
  static inline std::atomic<uint64_t> next_id_{1};
  const uint64_t id_;
  std::mutex mutex_;
  std::unordered_set<CURL*> handles_;
};

class ThreadHandles {
 public:
  ~ThreadHandles() {
    for (Entry& e : entries_) {
      if (auto pool = e.pool.lock()) pool->release(e.handle);
    }
  }

  /// This thread's handle for `pool`, or nullptr when it is already in use
  /// further up this thread's stack (a sink that sends through the same
  /// transport): the caller then uses a one-off handle.
  CURL* acquire(const std::shared_ptr<HandlePool>& pool) {
    // Forget handles of transports that died; their pool freed the handles.
    std::erase_if(entries_, [](const Entry& e) { return e.pool.expired(); });
    for (Entry& e : entries_) {
      if (e.id == pool->id()) {
        if (e.busy) return nullptr;
        e.busy = true;
        return e.handle;
      }
    }
    CURL* handle = pool->acquire_new();
    if (handle == nullptr) return nullptr;
    entries_.push_back(Entry{pool, pool->id(), handle, true});
    return handle;
  }

  void done(CURL* handle) {
    for (Entry& e : entries_) {
      if (e.handle == handle) e.busy = false;
    }
  }

 private:
  struct Entry {
    std::weak_ptr<HandlePool> pool;
    uint64_t id;
    CURL* handle;
    bool busy;
  };
  std::vector<Entry> entries_;
};

thread_local ThreadHandles t_handles;

/// Borrows this thread's handle for one transfer (or a one-off handle).
class HandleLease {
 public:
  explicit HandleLease(const std::shared_ptr<HandlePool>& pool) : pool_(pool) {
    handle_ = t_handles.acquire(pool);
    if (handle_ == nullptr) {
      handle_ = pool->acquire_new();
      one_off_ = true;
    }
  }
  ~HandleLease() {
    if (handle_ == nullptr) return;
    if (one_off_) {
      pool_->release(handle_);
    } else {
      t_handles.done(handle_);
    }
  }
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  CURL* get() const noexcept { return handle_; }

 private:
  std::shared_ptr<HandlePool> pool_;
  CURL* handle_ = nullptr;
  bool one_off_ = false;
};

// ---------------------------------------------------------------------------
// One transfer's state, shared with the curl callbacks.

// libcurl hands response bodies over in pieces of at most CURL_MAX_WRITE_SIZE
// (16 KiB) whatever CURLOPT_BUFFERSIZE says; written one by one into a file
// they cost a write(2) per 16 KiB, which measured 0.9 s of the 3.4 CPU-seconds
// of a 1 GiB download (bench/). Sinks get pieces of this size instead, or
// what arrived within kSinkLatency on a slow link (sinks report progress).
constexpr size_t kSinkChunk = 1 << 20;
constexpr auto kSinkLatency = std::chrono::milliseconds(200);

struct Transfer {
  const Request* request = nullptr;
  ByteSink* sink = nullptr;
  const OpContext* ctx = nullptr;
  size_t max_buffered = 0;

  Response response;
  /// Headers of the response being received; only the last response's remain.
  std::vector<Headers::Entry> header_lines;
  bool cancelled = false;
  Status callback_error;  ///< from the body source, the sink, or a limit
  uint64_t body_read = 0;
  std::optional<uint64_t> body_size;
  /// 2xx body bytes received but not yet handed to the sink (< kSinkChunk).
  std::string pending;
  std::chrono::steady_clock::time_point pending_since;

  bool is_2xx() const { return response.status >= 200 && response.status <= 299; }
};

size_t on_header(char* data, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line: a 100 Continue, a proxy's CONNECT answer or any
    // other interim response is replaced by what follows, so only the final
    // response's status and headers remain.
    t->header_lines.clear();
    size_t sp = line.find(' ');
    t->response.status = sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return size * count;
  }
  std::string_view content = trim(line);
  if (content.empty()) return size * count;
  if (line.front() == ' ' || line.front() == '\t') {
    // obs-fold continuation of the previous header (RFC 7230 3.2.4).
    if (!t->header_lines.empty()) {
      t->header_lines.back().value += " ";
      t->header_lines.back().value += content;
    }
    return size * count;
  }
  size_t colon = content.find(':');
  if (colon != std::string_view::npos) {
    t->header_lines.push_back(
        Headers::Entry{std::string(trim(content.substr(0, colon))), std::string(trim(content.substr(colon + 1)))});
  }
  return size * count;
}

/// Hands `data` to the sink and counts it.
Status to_sink(Transfer& t, std::string_view data) {
  Status written = t.sink->write(data);
  if (written.ok()) t.response.sink_bytes += data.size();
  return written;
}

Status flush_pending(Transfer& t) {
  if (t.pending.empty()) return Status::OK();
  Status written = to_sink(t, t.pending);
  t.pending.clear();
  return written;
}

size_t on_write(char* data, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  const size_t n = size * count;
  if (t->ctx->cancelled()) {
    t->cancelled = true;
    return CURL_WRITEFUNC_ERROR;
  }
  if (t->is_2xx() && t->sink != nullptr) {
    // Coalesced into kSinkChunk pieces; send() flushes the rest before it returns.
    Status written;
    if (t->pending.empty() && n >= kSinkChunk) {
      written = to_sink(*t, std::string_view(data, n));
    } else {
      const auto now = std::chrono::steady_clock::now();
      if (t->pending.empty()) t->pending_since = now;
      t->pending.append(data, n);
      if (t->pending.size() >= kSinkChunk || now - t->pending_since >= kSinkLatency) written = flush_pending(*t);
    }
    if (!written.ok()) {
      t->callback_error = written;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  std::string& body = t->response.body;
  size_t room = t->max_buffered > body.size() ? t->max_buffered - body.size() : 0;
  if (n > room && t->is_2xx()) {
    // A successful answer cut short would be parsed as if complete.
    t->callback_error = make_error(ErrorCode::LimitExceeded, "{} {}: response body exceeds {} bytes",
                                   t->request->method, t->request->url, t->max_buffered);
    return CURL_WRITEFUNC_ERROR;
  }
  // Error documents are kept up to the cap; the rest is read and dropped so
  // the connection stays reusable.
  body.append(data, std::min(n, room));
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  if (t->ctx->cancelled()) {
    t->cancelled = true;
    return CURL_READFUNC_ABORT;
  }
  ByteSource* body = t->request->body;
  if (body == nullptr) return 0;
  Result<size_t> got = body->read(std::span<char>(buffer, size * count));
  if (!got.ok()) {
    t->callback_error = got.status();
    return CURL_READFUNC_ABORT;
  }
  if (*got == 0 && t->body_size && t->body_read < *t->body_size) {
    // The server would wait for the missing bytes until the stall timeout.
    t->callback_error =
        make_error(ErrorCode::Integrity, "{} {}: the request body ended after {} of the {} bytes announced",
                   t->request->method, t->request->url, t->body_read, *t->body_size);
    return CURL_READFUNC_ABORT;
  }
  t->body_read += *got;
  if (t->body_size && t->body_read > *t->body_size) {
    t->callback_error = make_error(ErrorCode::Integrity, "{} {}: the request body has more than the {} bytes announced",
                                   t->request->method, t->request->url, *t->body_size);
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

// libcurl rewinds the body when it must send it again within one transfer,
// e.g. when a kept-alive connection turns out to be closed by the server.
int on_seek(void* userp, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(userp);
  if (t->request->body == nullptr) return offset == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  if (!t->request->body->rewind().ok()) return CURL_SEEKFUNC_CANTSEEK;
  t->body_read = 0;
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userp);
  if (t->ctx->cancelled()) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------

ErrorCode code_for_curl_error(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return ErrorCode::Timeout;
    case CURLE_ABORTED_BY_CALLBACK: return ErrorCode::Cancelled;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING: return ErrorCode::InvalidArgument;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN: return ErrorCode::Internal;
    default:
      // Connect/resolve failures, send/receive errors, truncated bodies
      // (CURLE_PARTIAL_FILE), TLS failures, empty replies, proxy errors:
      // all are the network's fault as far as the caller can tell.
      return ErrorCode::Network;
  }
}

bool is_token(std::string_view s) {
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";  // RFC 9110 tchar
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Header names whose values are credentials; Trace logs show "***" for them
// (redact() catches the usual schemes too, this also covers keys and cookies).
bool is_secret_header(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (std::string_view word : {"authorization", "token", "key", "cookie", "signature", "credential", "secret"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string headers_for_log(const Headers& headers) {
  std::string out;
  for (const Headers::Entry& e : headers.entries()) {
    out += fmt::format("\n  {}: {}", e.name, is_secret_header(e.name) ? std::string_view("***") : e.value);
  }
  return out;
}

class CurlSlist {
 public:
  CurlSlist() = default;
  ~CurlSlist() { curl_slist_free_all(list_); }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  bool append(const std::string& line) {
    curl_slist* next = curl_slist_append(list_, line.c_str());
    if (next == nullptr) return false;
    list_ = next;
    return true;
  }
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(ClientOptions options) : options_(std::move(options)), pool_(std::make_shared<HandlePool>()) {
    register_proxy_secret();
  }

  Result<Response> send(const Request& request, ByteSink* sink, const OpContext& ctx) override;

 private:
  void register_proxy_secret() const {
    // "http://user:password@proxy:3128": the password must never be logged.
    size_t scheme = options_.proxy.find("://");
    size_t at = options_.proxy.rfind('@');
    if (at == std::string::npos) return;
    size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    if (at <= start) return;
    std::string userinfo = options_.proxy.substr(start, at - start);
    size_t colon = userinfo.find(':');
    if (colon != std::string::npos) register_secret(userinfo.substr(colon + 1));
    register_secret(userinfo);
  }

  Status configure(CURL* curl, const Request& request, Transfer& transfer, CurlSlist& header_list,
                   char* error_buffer) const;

  ClientOptions options_;
  std::shared_ptr<HandlePool> pool_;
};

#define CLOUDSYNC_CURL_SET(curl, option, value)                                                                       \
  do {                                                                                                                \
    CURLcode set_rc_ = curl_easy_setopt(curl, option, value);                                                         \
    if (set_rc_ != CURLE_OK) {                                                                                        \
      return make_error(ErrorCode::Internal, "libcurl rejected option " #option ": {}", curl_easy_strerror(set_rc_)); \
    }                                                                                                                 \
  } while (0)

Status CurlTransport::configure(CURL* curl, const Request& request, Transfer& transfer, CurlSlist& header_list,
                                char* error_buffer) const {
  // curl_easy_reset keeps the live connections, DNS and TLS session caches:
  // that is what makes the handle worth keeping.
  curl_easy_reset(curl);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_ERRORBUFFER, error_buffer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_URL, request.url.c_str());
  // The path goes out exactly as signed: curl would otherwise squash "/./"
  // and "/../" sequences, which are legal in object keys.
  CLOUDSYNC_CURL_SET(curl, CURLOPT_PATH_AS_IS, 1L);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  CLOUDSYNC_CURL_SET(curl, CURLOPT_NOSIGNAL, 1L);
  // Many HTTP/1.1 connections beat HTTP/2 multiplexing for bulk transfers
  // (object_store, aws-c-s3); the transfer layer opens them in parallel.
  CLOUDSYNC_CURL_SET(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  // Redirects are answers for the provider to interpret (an S3 region
  // redirect is not something to follow blindly with signed headers).
  CLOUDSYNC_CURL_SET(curl, CURLOPT_FOLLOWLOCATION, 0L);
  // curl copies the string, so a per-request temporary is safe.
  const std::string agent = options_.user_agent.empty() ? user_agent() : options_.user_agent;
  CLOUDSYNC_CURL_SET(curl, CURLOPT_USERAGENT, agent.c_str());
  CLOUDSYNC_CURL_SET(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  // Larger buffers: fewer callbacks and larger writes into sinks (files).
  CLOUDSYNC_CURL_SET(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);

  // Timeouts: a connect timeout and a stall detector, never a total timeout,
  // which would kill a large transfer that is progressing.
  CLOUDSYNC_CURL_SET(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  CLOUDSYNC_CURL_SET(curl, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.low_speed_bytes));
  CLOUDSYNC_CURL_SET(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  CLOUDSYNC_CURL_SET(curl, CURLOPT_TIMEOUT_MS, 0L);

  // TLS, for the endpoint and for an HTTPS proxy.
  long verify = options_.verify_tls ? 1L : 0L;
  CLOUDSYNC_CURL_SET(curl, CURLOPT_SSL_VERIFYPEER, verify);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_PROXY_SSL_VERIFYPEER, verify);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_PROXY_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_bundle.empty()) CLOUDSYNC_CURL_SET(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  if (!options_.ca_path.empty()) CLOUDSYNC_CURL_SET(curl, CURLOPT_CAPATH, options_.ca_path.c_str());
  if (!options_.proxy_ca_bundle.empty()) {
    CLOUDSYNC_CURL_SET(curl, CURLOPT_PROXY_CAINFO, options_.proxy_ca_bundle.c_str());
  }
  // Without an explicit proxy libcurl applies the *_proxy / NO_PROXY
  // environment itself, exactly as the curl tool does.
  if (!options_.proxy.empty()) CLOUDSYNC_CURL_SET(curl, CURLOPT_PROXY, options_.proxy.c_str());
  if (options_.bypass_proxy) CLOUDSYNC_CURL_SET(curl, CURLOPT_NOPROXY, "*");
  CLOUDSYNC_CURL_SET(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

  // Callbacks.
  CLOUDSYNC_CURL_SET(curl, CURLOPT_HEADERFUNCTION, &on_header);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_HEADERDATA, &transfer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_WRITEFUNCTION, &on_write);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_WRITEDATA, &transfer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_READFUNCTION, &on_read);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_READDATA, &transfer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_SEEKFUNCTION, &on_seek);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_SEEKDATA, &transfer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_XFERINFODATA, &transfer);
  CLOUDSYNC_CURL_SET(curl, CURLOPT_NOPROGRESS, 0L);

  // Method and body.
  const std::string& method = request.method;
  const bool has_body = request.body != nullptr;
  const curl_off_t size = transfer.body_size ? static_cast<curl_off_t>(*transfer.body_size) : -1;  // -1: chunked
  if (method == "GET" && !has_body) {
    CLOUDSYNC_CURL_SET(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    if (has_body) return make_error(ErrorCode::InvalidArgument, "HEAD {}: a HEAD request has no body", request.url);
    CLOUDSYNC_CURL_SET(curl, CURLOPT_NOBODY, 1L);
  } else if (method == "POST") {
    CLOUDSYNC_CURL_SET(curl, CURLOPT_POST, 1L);
    CLOUDSYNC_CURL_SET(curl, CURLOPT_POSTFIELDSIZE_LARGE, has_body ? size : curl_off_t{0});
  } else if (has_body || method == "PUT") {
    CLOUDSYNC_CURL_SET(curl, CURLOPT_UPLOAD, 1L);
    CLOUDSYNC_CURL_SET(curl, CURLOPT_INFILESIZE_LARGE, has_body ? size : curl_off_t{0});
    if (method != "PUT") CLOUDSYNC_CURL_SET(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else {
    CLOUDSYNC_CURL_SET(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  // Headers. Content-Length comes from body_size (curl writes it); an empty
  // value is sent as "Name;" because "Name:" would delete the header.
  bool has_content_type = false;
  bool has_expect = false;
  for (const Headers::Entry& e : request.headers.entries()) {
    const std::string lower = ascii_lower(e.name);
    if (lower == "content-length" || lower == "transfer-encoding") continue;
    has_content_type = has_content_type || lower == "content-type";
    has_expect = has_expect || lower == "expect";
    bool ok = e.value.empty() ? header_list.append(e.name + ";") : header_list.append(e.name + ": " + e.value);
    if (!ok) return make_error(ErrorCode::Internal, "out of memory building request headers");
  }
  // curl would label a POST body application/x-www-form-urlencoded; a
  // content type the caller did not choose also breaks signatures that cover it.
  bool ok = method != "POST" || has_content_type || header_list.append("Content-Type:");
  // No "Expect: 100-continue" unless the caller asks for it. curl adds it to
  // large uploads and then waits up to a second for servers and proxies that
  // never answer 100, and every upload part pays a round trip. What it would
  // save -- sending a body the server rejects -- is bounded by the part size,
  // rare for signed requests, and handled by the retry loop.
  ok = ok && (has_expect || header_list.append("Expect:"));
  if (!ok) return make_error(ErrorCode::Internal, "out of memory building request headers");
  CLOUDSYNC_CURL_SET(curl, CURLOPT_HTTPHEADER, header_list.get());
  return Status::OK();
}

Result<Response> CurlTransport::send(const Request& request, ByteSink* sink, const OpContext& ctx) {
  init_curl_once();
  const std::string& method = request.method;
  if (!is_token(method)) return make_error(ErrorCode::InvalidArgument, "invalid HTTP method '{}'", method);
  CLOUDSYNC_RETURN_IF_ERROR(parse_url(request.url));
  if (has_line_break(request.url)) return make_error(ErrorCode::InvalidArgument, "line break in URL '{}'", request.url);
  for (const Headers::Entry& e : request.headers.entries()) {
    if (!is_token(e.name) || has_line_break(e.value)) {
      return make_error(ErrorCode::InvalidArgument, "{} {}: invalid header '{}'", method, request.url, e.name);
    }
  }
  if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "{} {} cancelled", method, request.url);

  Transfer transfer;
  transfer.request = &request;
  transfer.sink = sink;
  transfer.ctx = &ctx;
  transfer.max_buffered = options_.max_buffered_body;
  if (request.body != nullptr) {
    transfer.body_size = request.body_size ? request.body_size : request.body->size();
    // Start from the beginning: this may be a retry. A one-shot source cannot
    // rewind and is sent from where it stands (the retry loop never sends it
    // twice).
    Status rewound = request.body->rewind();
    if (!rewound.ok() && rewound.code() != ErrorCode::Unsupported) return rewound;
  }

  HandleLease lease(pool_);
  CURL* curl = lease.get();
  if (curl == nullptr) return make_error(ErrorCode::Internal, "curl_easy_init failed");
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CurlSlist header_list;
  CLOUDSYNC_RETURN_IF_ERROR(configure(curl, request, transfer, header_list, error_buffer));

  if (log_enabled(LogLevel::Trace)) {
    log(LogLevel::Trace, "HTTP {} {} request headers:{}", method, request.url, headers_for_log(request.headers));
  }
  const auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  // Whatever happened, the handle must not keep pointers to this stack frame.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  // Bytes received are the object's bytes even when the connection broke or
  // the caller cancelled afterwards: the caller may resume after them.
  Status flushed = flush_pending(transfer);
  if (!flushed.ok() && transfer.callback_error.ok()) {
    transfer.callback_error = flushed;
    if (rc == CURLE_OK) rc = CURLE_WRITE_ERROR;
  }

  curl_off_t down = 0;
  curl_off_t up = 0;
  long new_connections = 0;
  long final_status = 0;
  curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
  curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &up);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &final_status);

  if (rc != CURLE_OK) {
    Status error;
    if (transfer.cancelled || ctx.cancelled()) {
      error = make_error(ErrorCode::Cancelled, "{} {} cancelled", method, request.url);
    } else if (!transfer.callback_error.ok()) {
      error = transfer.callback_error;
    } else {
      std::string_view detail = error_buffer[0] != '\0' ? std::string_view(error_buffer) : curl_easy_strerror(rc);
      error = make_error(code_for_curl_error(rc), "{} {} failed: {} (curl error {})", method, request.url, trim(detail),
                         static_cast<int>(rc));
    }
    log(LogLevel::Debug, "HTTP {} {} failed after {} ms ({} bytes in, {} out): {}", method, request.url, elapsed, down,
        up, error.to_string());
    return error;
  }
  Response response = std::move(transfer.response);
  response.status = static_cast<int>(final_status);
  for (const Headers::Entry& e : transfer.header_lines) response.headers.add(e.name, e.value);
  log(LogLevel::Debug, "HTTP {} {} -> {} ({} bytes in, {} out, {} ms, {})", method, request.url, response.status, down,
      up, elapsed, new_connections > 0 ? "new connection" : "reused connection");
  if (log_enabled(LogLevel::Trace)) {
    log(LogLevel::Trace, "HTTP {} {} response headers:{}", method, request.url, headers_for_log(response.headers));
  }
  return response;
}

}  // namespace

std::shared_ptr<Transport> make_curl_transport(const ClientOptions& options) {
  init_curl_once();
  return std::make_shared<CurlTransport>(options);
}

namespace detail {
int live_curl_handles() noexcept { return g_live_handles.load(); }
}  // namespace detail

}  // namespace cloudsync::http
