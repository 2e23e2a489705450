// caas-webhook-ingress: signed Factory and API IoT webhooks into Kafka,
// answered 2xx only after Kafka acknowledged every record.
#include "app/ingress_service.hpp"

int main(int argc, char** argv) {
  caas::ingress::IngressService service;
  return caas::service::run_service(
      {"webhook-ingress", 8080, "signed Factory and API IoT webhooks into Kafka (DESIGN.md §2)"}, service, argc, argv);
}
