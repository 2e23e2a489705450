#include "domain/stats.hpp"

#include "domain/json_out.hpp"

namespace caas::push_sim {

void Stats::count_answer(int status) {
  if (status == 202) {
    ++accepted;
  } else if (status == 200) {
    ++duplicates;
  } else {
    ++rejected[status];
  }
}

std::string Stats::to_json() const {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_count(w, "requests", requests);
    write_count(w, "accepted", accepted);
    write_count(w, "duplicates", duplicates);
    write_string(w, "rejected");
    w.StartObject();
    for (const auto& [status, n] : rejected) write_count(w, std::to_string(status), n);
    w.EndObject();
    write_count(w, "held", held);
    w.EndObject();
  });
}

}  // namespace caas::push_sim
