#include "app/notification_service.hpp"

int main(int argc, char** argv) {
  caas::notification::NotificationService service;
  return caas::service::run_service(
      {"notification", 8085, "customer notifications: e-mail, push and in-vehicle display, each sent once"}, service,
      argc, argv);
}
