#include <fstream>
#include <sstream>
#include <stdexcept>

#include "caas/security/errors.hpp"
#include "caas/security/identity.hpp"

namespace caas::security {

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::admin:
      return "admin";
    case Role::operator_:
      return "operator";
    case Role::dealer:
      return "dealer";
    case Role::system:
      return "system";
    case Role::customer:
      return "customer";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view s) noexcept {
  for (Role r : {Role::admin, Role::operator_, Role::dealer, Role::system, Role::customer})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

ApiKeyStore ApiKeyStore::parse(std::string_view text, std::string_view origin) {
  ApiKeyStore store;
  std::size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(std::string(origin) + ":" + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    std::istringstream fields(line);
    std::string key, role, subject, extra;
    if (!(fields >> key) || key.front() == '#') continue;
    if (!(fields >> role >> subject)) fail("expected `key role subject`");
    if (fields >> extra) fail("too many fields (expected `key role subject`)");
    if (key.size() < 16) fail("API key shorter than 16 characters");
    auto r = parse_role(role);
    if (!r || *r == Role::customer) fail("unknown role '" + role + "' (admin, operator, dealer, system)");
    const Digest digest = sha256(key);
    for (const auto& e : store.entries_)
      if (e.digest == digest) fail("duplicate API key");
    store.entries_.push_back(Entry{digest, Principal{*r, subject}});
  }
  if (store.entries_.empty()) throw std::runtime_error(std::string(origin) + ": no API keys found");
  return store;
}

ApiKeyStore ApiKeyStore::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read API keys file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path.string());
}

Result<Principal> ApiKeyStore::authenticate(std::string_view presented_key) const {
  // Hashing first makes every comparison fixed-length; scanning all entries
  // without an early exit keeps timing independent of which key matched.
  const std::string digest = to_bytes(sha256(presented_key));
  const Entry* found = nullptr;
  for (const auto& e : entries_) {
    const bool eq = constant_time_equal(to_bytes(e.digest), digest);
    if (eq && found == nullptr) found = &e;
  }
  if (found == nullptr || presented_key.empty())
    return Error{make_error_code(SecurityErrc::unknown_key), "unknown API key"};
  return found->principal;
}

}  // namespace caas::security
