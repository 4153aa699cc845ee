#pragma once
// ScanProduct: what the gateway serves when it is scansync (and not the
// protocol suites' conformance app): the ScanApp over its repository and
// fan-out, and the REST front's own parts — who a call acts for (the JWT
// verifier and the server API keys) and how often it may call (the REST
// rate limits). The server (Gateway::Impl) holds one and asks it for REST
// answers, the /healthz details, the readiness probe and the metrics
// gauges; it owns none of these parts itself. The parts come from the
// composition root: the CLI chooses the repository and the fan-out
// (src/cli/gateway_parts.*), Gateway::start assembles the product from them.
//
// Single-threaded: every call on the gateway's io thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_keyring.h"
#include "gateway/http_routes.h"
#include "gateway/gateway_metrics.h"
#include "gateway/rest_auth.h"
#include "gateway/scan_app.h"
#include "scans/scan_repository.h"

namespace scansync::gateway {

struct ScanProductParts {
  std::shared_ptr<scans::ScanRepository> repository;  // required
  FanoutFactory make_fanout;                           // empty: this node's rooms only
  scans::RequestOptions requests;
  auth::VerifierOptions verifier;  // the sockets' CONNECT and REST's bearer tokens
  std::vector<std::string> api_keys;  // server API keys (REST only)
  ScanAppLimits socket_limits;
  double rest_rate_per_s = 100, rest_burst = 200;
  double api_key_rate_per_s = 1000, api_key_burst = 2000;
};

class ScanProduct {
 public:
  // `hooks` and `now_unix_s` bind the app to the server's loop and clock.
  ScanProduct(ScanProductParts parts, ScanAppHooks hooks, std::function<std::int64_t()> now_unix_s);
  ~ScanProduct();
  ScanProduct(const ScanProduct&) = delete;
  ScanProduct& operator=(const ScanProduct&) = delete;

  ScanApp& app() { return *app_; }
  const ScanApp& app() const { return *app_; }

  // A REST call under /api/scans from `remote`: authenticated (JWT or API
  // key), rate limited, then handed to the app; `done` may run later in
  // this turn (a change is answered once its batch completed).
  void handle_rest(std::string_view method, std::string_view target, const RestCredentials& credentials,
                   std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done);

  // The /healthz members after "ok": ,"store":{…},"fanout":{…}.
  std::string health_details() const;
  // What /metrics reads of the product at scrape time.
  void fill_gauges(MetricsGauges& g) const;
  std::size_t api_key_count() const { return api_keys_.size(); }

 private:
  std::shared_ptr<scans::ScanRepository> repository_;  // before the app: it outlives it
  std::function<std::int64_t()> now_unix_s_;
  GatewayObserver* observer_;
  auth::VerifierOptions verifier_;
  auth::ApiKeyring api_keys_;       // digests only
  RestRateLimits rest_limits_;      // REST requests per user, and per API key (429 past it)
  std::vector<bool> api_key_used_;  // per key: used since start (logged once, for rotations)
  std::unique_ptr<ScanApp> app_;
};

}  // namespace scansync::gateway
