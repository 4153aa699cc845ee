#include "event_dispatcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scansync::client {
namespace {

const std::vector<std::string_view> kNoArgs;

TEST(EventDispatcher, ByNameAndWildcardInSubscriptionOrder) {
  EventDispatcher d;
  std::vector<std::string> calls;
  d.on("a", [&](const Event& e) { calls.push_back("a:" + std::string(e.name)); });
  d.on("*", [&](const Event& e) { calls.push_back("*:" + std::string(e.name)); });
  d.on("b", [&](const Event& e) { calls.push_back("b:" + std::string(e.name)); });
  d.dispatch(Event{"a", kNoArgs});
  d.dispatch(Event{"b", kNoArgs});
  d.dispatch(Event{"c", kNoArgs});
  EXPECT_EQ(calls, (std::vector<std::string>{"a:a", "*:a", "*:b", "b:b", "*:c"}));
}

TEST(EventDispatcher, OffStopsDelivery) {
  EventDispatcher d;
  int n = 0;
  auto id = d.on("a", [&](const Event&) { ++n; });
  d.dispatch(Event{"a", kNoArgs});
  d.off(id);
  d.off(id);      // twice: harmless
  d.off(999999);  // unknown: harmless
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(n, 1);
}

TEST(EventDispatcher, StatusHandlersAreSeparate) {
  EventDispatcher d;
  int events = 0, statuses = 0;
  d.on("*", [&](const Event&) { ++events; });
  auto id = d.on_status([&](const StatusInfo&) { ++statuses; });
  d.dispatch(StatusInfo{});
  d.dispatch(Event{"x", kNoArgs});
  EXPECT_EQ(events, 1);
  EXPECT_EQ(statuses, 1);
  d.off(id);
  d.dispatch(StatusInfo{});
  EXPECT_EQ(statuses, 1);
}

TEST(EventDispatcher, HandlerRemovingLaterHandlerSkipsIt) {
  EventDispatcher d;
  int second = 0;
  SubscriptionId id2 = 0;
  d.on("a", [&](const Event&) { d.off(id2); });
  id2 = d.on("a", [&](const Event&) { ++second; });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(second, 0);
}

TEST(EventDispatcher, HandlerRemovingItselfStaysAliveUntilItReturns) {
  EventDispatcher d;
  std::string captured = "alive";
  SubscriptionId id = 0;
  std::string seen;
  id = d.on("a", [&, captured](const Event&) {
    d.off(id);
    seen = captured;  // the closure must still exist here
  });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(seen, "alive");
  EXPECT_EQ(d.size(), 0u);
}

TEST(EventDispatcher, HandlerAddedDuringDispatchWaitsForTheNextOne) {
  EventDispatcher d;
  int added_calls = 0;
  d.on("a", [&](const Event&) { d.on("a", [&](const Event&) { ++added_calls; }); });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(added_calls, 0);
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(added_calls, 1);
}

TEST(EventDispatcher, InterruptStopsTheRunningDispatch) {
  EventDispatcher d;
  int later = 0;
  d.on("a", [&](const Event&) { d.interrupt(); });
  d.on("a", [&](const Event&) { ++later; });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(later, 0);
  d.clear();
  d.on("a", [&](const Event&) { ++later; });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(later, 1);
}

TEST(EventDispatcher, ClearDuringDispatchKeepsTheRunningHandlerAliveAndStopsTheRest) {
  EventDispatcher d;
  std::string captured = "alive";
  std::string seen;
  int later = 0;
  d.on("a", [&, captured](const Event&) {
    d.clear();
    seen = captured;
  });
  d.on("a", [&](const Event&) { ++later; });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(seen, "alive");
  EXPECT_EQ(later, 0);
  EXPECT_EQ(d.size(), 0u);
  d.on("a", [&](const Event&) { ++later; });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(later, 1);
}

TEST(EventDispatcher, NestedDispatchAndRemovalDuringIt) {
  EventDispatcher d;
  std::vector<std::string> calls;
  SubscriptionId b_id = 0;
  d.on("a", [&](const Event&) {
    calls.push_back("a");
    d.dispatch(Event{"b", kNoArgs});  // the inner dispatch removes "b" while the outer one runs
    d.on("a", [&](const Event&) { calls.push_back("a-late"); });
  });
  b_id = d.on("b", [&](const Event&) {
    calls.push_back("b");
    d.off(b_id);
  });
  d.on("*", [&](const Event& e) { calls.push_back("*" + std::string(e.name)); });
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(calls, (std::vector<std::string>{"a", "b", "*b", "*a"}));
  EXPECT_EQ(d.size(), 3u);  // a, *, a-late
  calls.clear();
  d.dispatch(Event{"b", kNoArgs});
  EXPECT_EQ(calls, (std::vector<std::string>{"*b"}));
  d.off(b_id);  // already removed: harmless
  EXPECT_EQ(d.size(), 3u);
}

TEST(EventDispatcher, AThrowingHandlerLeavesTheDispatcherUsable) {
  EventDispatcher d;
  int calls = 0;
  SubscriptionId id = 0;
  id = d.on("a", [&](const Event&) {
    d.off(id);
    throw 1;
  });
  d.on("a", [&](const Event&) { ++calls; });
  EXPECT_THROW(d.dispatch(Event{"a", kNoArgs}), int);
  EXPECT_EQ(d.size(), 1u);
  d.dispatch(Event{"a", kNoArgs});
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace scansync::client
