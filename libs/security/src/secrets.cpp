#include "caas/security/secrets.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "caas/security/crypto.hpp"

namespace caas::security {
namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

SecretSet::SecretSet(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  if (secrets_.empty()) throw std::invalid_argument("SecretSet: no secrets");
  for (std::size_t i = 0; i < secrets_.size(); ++i) {
    if (secrets_[i].empty()) throw std::invalid_argument("SecretSet: empty secret");
    ids_.push_back(std::to_string(i) + ":" + hex_encode(to_bytes(sha256(secrets_[i]))).substr(0, 8));
    keys_.push_back(std::make_shared<const HmacSha256Key>(secrets_[i]));
  }
}

SecretSet SecretSet::from_bytes(std::vector<std::string> secrets) {
  return SecretSet(std::move(secrets));
}

SecretSet SecretSet::parse(std::string_view text, std::string_view origin) {
  std::vector<std::string> secrets;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 6) == "whsec_") {
      auto decoded = base64_decode(line.substr(6));
      if (!decoded || decoded->empty())
        throw std::runtime_error(std::string(origin) + ":" + std::to_string(line_no) +
                                 ": whsec_ secret is not valid base64");
      secrets.push_back(std::move(decoded).value());
    } else {
      secrets.emplace_back(line);
    }
  }
  if (secrets.empty()) throw std::runtime_error(std::string(origin) + ": no secrets found");
  return SecretSet(std::move(secrets));
}

SecretSet SecretSet::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read secrets file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path.string());
}

std::string SecretSet::redacted() const {
  std::string out =
      "SecretSet{" + std::to_string(secrets_.size()) + " secret" + (secrets_.size() == 1 ? "" : "s") + ":";
  for (std::size_t i = 0; i < ids_.size(); ++i) out += (i ? ", " : " ") + ids_[i];
  return out + "}";
}

}  // namespace caas::security
