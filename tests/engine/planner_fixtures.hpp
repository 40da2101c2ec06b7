// Hand-made listings for the planner's tests.
#pragma once

#include "cloudsync/backends/memory.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"
#include "sync/planner.hpp"

namespace cloudsync::test {

inline ObjectMeta obj(std::string key, uint64_t size, std::string etag = {}, int64_t mtime_s = 1000) {
  ObjectMeta m;
  m.key = std::move(key);
  m.size = size;
  m.etag = std::move(etag);
  m.mtime = from_unix_nanos(mtime_s * 1'000'000'000);
  return m;
}

inline Capabilities caps(bool case_sensitive = true, bool hierarchical = false) {
  Capabilities c = MemoryBackend::default_capabilities();
  c.case_sensitive = case_sensitive;
  c.hierarchical = hierarchical;
  c.mtime_precision = std::chrono::seconds(1);
  return c;
}

inline PlanInput input(std::vector<ObjectMeta> src, std::vector<ObjectMeta> dst) {
  PlanInput in;
  in.source_name = "src";
  in.destination_name = "dst";
  in.source = std::move(src);
  in.destination = std::move(dst);
  in.source_caps = caps();
  in.destination_caps = caps();
  in.keep_unchanged = [](const ObjectMeta&, const ObjectMeta&) { return true; };  // so that tests can look at them
  return in;
}

inline const PlanAction* find(const Plan& p, std::string_view path) {
  for (const auto& a : p.actions) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

inline Plan plan_of(const PlanInput& in) {
  auto p = compute_plan(in);
  REQUIRE_OK(p);
  return *p;
}

}  // namespace cloudsync::test
