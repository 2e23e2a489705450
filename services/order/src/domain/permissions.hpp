#pragma once
// Who may do what (seed 003 roles, DESIGN.md §6). Pure: the API asks
// authorize() with the principal and, for an existing order, its owners.
//
// | operation                    | admin | operator | dealer              | system | customer        |
// |------------------------------|-------|----------|---------------------|--------|-----------------|
// | read / list                  | all   | all      | own dealership      | all    | own orders only |
// | register sale                | yes   | no       | own dealership only | no     | no              |
// | payments, registration,      | yes   | yes      | own dealership only | no     | no              |
// |   handover, cancel           |       |          |                     |        |                 |

#include <caas/security/identity.hpp>

#include <string>

namespace caas::order {

enum class Operation { read, register_sale, update };

enum class Decision { allowed, forbidden };

/// `dealership_id`/`customer_id` are the order's (or, for register_sale, the sale's).
Decision authorize(const security::Principal& who, Operation op, const std::string& dealership_id,
                   const std::string& customer_id);

/// Forced list filters for scoped roles: a dealer sees its dealership, a customer itself.
struct ListScope {
  std::string dealership_id;
  std::string customer_id;
};
ListScope list_scope(const security::Principal& who);

}  // namespace caas::order
