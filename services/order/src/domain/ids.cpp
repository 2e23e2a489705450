#include "domain/ids.hpp"

#include <caas/events/ids.hpp>

namespace caas::order {

std::string derive_event_id(std::string_view cause_id, std::string_view kind) {
  // The order's own name layout ("<cause>/<kind>", version 8) predates the
  // shared events::derive_event_id layout; ids on the topics depend on it.
  std::string name(cause_id);
  name.append("/").append(kind);
  return events::name_based_uuid(name, 8);
}

}  // namespace caas::order
