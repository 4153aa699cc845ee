#include "gateway/http_routes.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

TEST(HttpRoutes, Paths) {
  EXPECT_EQ(route_of("/socket.io/", false), Route::engine);
  EXPECT_EQ(route_of("/socket.io", false), Route::engine);
  EXPECT_EQ(route_of("/engine.io/", false), Route::not_found) << "raw Engine.IO only in conformance mode";
  EXPECT_EQ(route_of("/engine.io/", true), Route::raw_engine);
  EXPECT_EQ(route_of("/api/scans", false), Route::scans_api);
  EXPECT_EQ(route_of("/api/scans/123", false), Route::scans_api);
  EXPECT_EQ(route_of("/api/scansx", false), Route::not_found);
  EXPECT_EQ(route_of("/api", false), Route::not_found);
  EXPECT_EQ(route_of("/healthz", false), Route::healthz);
  EXPECT_EQ(route_of("/api/other", false), Route::not_found) << "the API's namespace is not files";
  EXPECT_EQ(route_of("/engine.io/x", false), Route::not_found);
  EXPECT_EQ(route_of("/", false), Route::web_page);
  EXPECT_EQ(route_of("/app.js", false), Route::web_page);
  EXPECT_EQ(route_of("/healthz/x", false), Route::web_page);
  EXPECT_EQ(route_of("", false), Route::not_found);
  EXPECT_EQ(route_of("*", false), Route::not_found);
}

TEST(HttpRoutes, BearerToken) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer  tok "), "tok");
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearertok"), std::nullopt);
  EXPECT_EQ(bearer_token(""), std::nullopt);
}

TEST(HttpRoutes, ApiErrorEscapes) {
  EXPECT_EQ(api_error("token_missing", "unauthorized"), R"({"error":{"code":"token_missing","message":"unauthorized"}})");
  EXPECT_EQ(api_error("x", "a\"b"), R"({"error":{"code":"x","message":"a\"b"}})");
}

}  // namespace
}  // namespace scansync::gateway
