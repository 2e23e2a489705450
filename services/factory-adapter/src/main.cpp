// caas-factory-adapter: places orders with the Factory (seed 000 retry table,
// circuit breaker, idempotency key), turns verified status webhooks into
// factory.status-changed, and polls/reconciles against the Factory.
#include "app/adapter_service.hpp"

int main(int argc, char** argv) {
  caas::factory::AdapterService service;
  return caas::service::run_service(
      {"factory-adapter", 8082, "Factory order placement, status tracking and reconciliation (DESIGN.md §2)"}, service,
      argc, argv);
}
