#pragma once
// The one error vocabulary of caas::smtp: a classification of every failed
// send (SendErrc, category "caas.smtp") shared by the message builder and the
// client, so a caller decides "retry or give up" from the code alone.

#include <system_error>

namespace caas::smtp {

/// Why a message was not sent (or may not have been). Error::code of
/// build_message() failures and SendError::kind of SmtpClient::send().
enum class SendErrc {
  timeout = 1,          // a reply did not come in time (deadline or command_timeout)
  connect_failed,       // resolve/connect refused or timed out: nothing was sent
  connection_closed,    // the server closed/reset the connection mid-dialogue
  protocol_error,       // unparsable or unexpected reply
  transient_rejection,  // a 4xx reply: try again later
  permanent_rejection,  // a 5xx reply: retrying will not help (e.g. 550 unknown mailbox)
  invalid_message,      // refused before sending: bad address, header injection, bad UTF-8
  shutting_down,        // the client was destroyed before the call finished
};

const std::error_category& smtp_category();
std::error_code make_error_code(SendErrc e);

/// permanent_rejection and invalid_message: never retry the same message.
/// Everything else (timeouts, refused connections, 4xx) is worth a retry.
bool is_permanent(SendErrc e);

}  // namespace caas::smtp

template <>
struct std::is_error_code_enum<caas::smtp::SendErrc> : std::true_type {};
