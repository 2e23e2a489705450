#include "domain/permissions.hpp"

namespace caas::order {

using security::Role;

Decision authorize(const security::Principal& who, Operation op, const std::string& dealership_id,
                   const std::string& customer_id) {
  const auto allow = [](bool ok) { return ok ? Decision::allowed : Decision::forbidden; };
  switch (who.role) {
    case Role::admin:
      return Decision::allowed;
    case Role::operator_:
      return allow(op != Operation::register_sale);
    case Role::dealer:
      return allow(!who.subject.empty() && who.subject == dealership_id);
    case Role::system:
      return allow(op == Operation::read);
    case Role::customer:
      return allow(op == Operation::read && !who.subject.empty() && who.subject == customer_id);
  }
  return Decision::forbidden;
}

ListScope list_scope(const security::Principal& who) {
  if (who.role == Role::dealer) return {who.subject, ""};
  if (who.role == Role::customer) return {"", who.subject};
  return {};
}

}  // namespace caas::order
