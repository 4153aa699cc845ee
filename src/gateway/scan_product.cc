#include "gateway/scan_product.h"

#include "scansync/proto/json_text.h"

namespace scansync::gateway {

ScanProduct::ScanProduct(ScanProductParts parts, ScanAppHooks hooks, std::function<std::int64_t()> now_unix_s)
    : repository_(std::move(parts.repository)),
      now_unix_s_(std::move(now_unix_s)),
      observer_(hooks.observer),
      verifier_(parts.verifier),
      api_keys_(parts.api_keys),
      rest_limits_(parts.rest_rate_per_s, parts.rest_burst, parts.api_key_rate_per_s, parts.api_key_burst),
      api_key_used_(parts.api_keys.size(), false) {
  app_ = std::make_unique<ScanApp>(*repository_, std::move(parts.requests), std::move(parts.verifier), now_unix_s_,
                                   parts.socket_limits, std::move(hooks), parts.make_fanout);
}

ScanProduct::~ScanProduct() = default;  // the app first (members in reverse), then the repository

void ScanProduct::handle_rest(std::string_view method, std::string_view target, const RestCredentials& credentials,
                              std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done) {
  HttpAnswer a;
  const RestAuthentication authentication = authenticate_rest(credentials, verifier_, api_keys_, now_unix_s_());
  if (const auto* refusal = std::get_if<RestRefusal>(&authentication)) {
    if (refusal->status == 401 && observer_) {
      const auto token = bearer_token(credentials.authorization);
      const auto sub = token ? claimed_subject(*token) : std::nullopt;
      observer_->token_refused(TokenRefused{"rest", refusal->code, remote,
                                            sub ? std::string_view(*sub) : std::string_view(), {}});
    }
    a.status = refusal->status;
    a.body = api_error(refusal->code, refusal->message);
    return done(std::move(a));
  }
  const RestCaller& caller = std::get<RestCaller>(authentication);
  a.user = caller.user;
  // Once per key and run: tells an operator rotating keys which ones are still in use.
  if (caller.api_key && !api_key_used_[*caller.api_key]) {
    api_key_used_[*caller.api_key] = true;
    if (observer_) {
      observer_->notice(LogLevel::info, "api_key_used",
                        {{"key", static_cast<std::int64_t>(*caller.api_key + 1)},
                         {"keys", static_cast<std::int64_t>(api_keys_.size())},
                         {"detail", "first use since start (key number in file order)"}});
    }
  }
  if (const auto limited = rest_limits_.admit(caller, RateLimiter::Clock::now())) {
    a.status = limited->status;
    a.body = api_error(limited->code, limited->message);
    return done(std::move(a));
  }
  app_->handle_rest(caller.user, method, target, body,
                    [done = std::move(done), user = caller.user](int status, std::string body) {
                      done(HttpAnswer{status, "application/json", std::move(body), user});
                    });
}

std::string ScanProduct::health_details() const {
  // The node serves whatever its parts say: a fan-out or store that is down
  // is reported here, not a reason to answer anything but 200.
  const auto store = app_->repository_status();
  const auto fanout = app_->fanout_status();
  std::string body = R"(,"store":{"engine":)" + json::quote(store.engine) + ",\"up\":" + (store.available ? "true" : "false");
  if (store.last_error) body += ",\"error\":" + json::quote(store.last_error->detail);
  body += R"(},"fanout":{"engine":)" + json::quote(fanout.kind) + ",\"up\":" + (fanout.up ? "true" : "false");
  const std::string& error =
      fanout.subscriber.last_error.empty() ? fanout.publisher.last_error : fanout.subscriber.last_error;
  if (!fanout.up && !error.empty()) body += ",\"error\":" + json::quote(error);
  const auto& t = app_->tracker_stats();
  body += ",\"backfills\":" + std::to_string(t.backfills) + ",\"recovered\":" + std::to_string(t.recovered) + "}";
  return body;
}

void ScanProduct::fill_gauges(MetricsGauges& g) const {
  g.sockets_joined = app_->rooms().member_count();
  g.store = app_->repository_status();
  g.fanout = app_->fanout_status();
  g.tracker = app_->tracker_stats();
}

}  // namespace scansync::gateway
