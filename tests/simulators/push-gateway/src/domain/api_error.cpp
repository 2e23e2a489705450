#include "domain/api_error.hpp"

#include "domain/json_out.hpp"

namespace caas::push_sim {

std::string ApiError::to_json() const {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "error", error);
    write_member(w, "message", message);
    if (field) write_member(w, "field", *field);
    w.EndObject();
  });
}

}  // namespace caas::push_sim
