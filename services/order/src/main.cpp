// caas-order: orders, their timeline and state machine (DESIGN.md §1, §2).
#include "app/order_service.hpp"

int main(int argc, char** argv) {
  caas::order::OrderService service;
  return caas::service::run_service({"order", 8081, "orders, their lifecycle and the intranet/customer order API"},
                                    service, argc, argv);
}
