#include "dlq/edit.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <rapidjson/pointer.h>

#include <map>
#include <system_error>

namespace caas::ctl {

namespace {

namespace json = caas::events::json;

Error bad(std::string why) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(why)};
}

std::string compact(const rapidjson::Value& v) {
  json::Writer w;
  w.value(v);
  return w.str();
}

void merge(rapidjson::Value& target, const rapidjson::Value& patch, rapidjson::Document::AllocatorType& a) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, a);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& m : patch.GetObject()) {
    if (m.value.IsNull()) {
      target.RemoveMember(m.name);
      continue;
    }
    auto it = target.FindMember(m.name);
    if (it == target.MemberEnd()) {
      rapidjson::Value name(m.name, a);
      rapidjson::Value value(rapidjson::kObjectType);
      merge(value, m.value, a);
      target.AddMember(name, value, a);
    } else {
      merge(it->value, m.value, a);
    }
  }
}

void flatten(const rapidjson::Value& v, const std::string& path, std::map<std::string, std::string>& out) {
  if (v.IsObject() && v.MemberCount() > 0) {
    for (const auto& m : v.GetObject()) {
      flatten(m.value, path + "/" + std::string(m.name.GetString(), m.name.GetStringLength()), out);
    }
  } else if (v.IsArray() && !v.Empty()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) flatten(v[i], path + "/" + std::to_string(i), out);
  } else {
    out[path.empty() ? "/" : path] = compact(v);
  }
}

}  // namespace

Result<std::string> compact_object(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc) return doc.error();
  if (!doc->IsObject()) return bad("the data must be a JSON object");
  return compact(*doc);
}

Result<std::string> apply_patch(std::string_view data, std::string_view patch_text) {
  auto doc = events::parse_strict_json(data);
  if (!doc) return doc.error();
  auto patch = events::parse_strict_json(patch_text);
  if (!patch) return Error{patch.error().code, "patch: " + patch.error().message};
  auto& a = doc->GetAllocator();
  if (patch->IsObject()) {
    merge(*doc, *patch, a);
  } else if (patch->IsArray()) {
    std::size_t n = 0;
    for (const auto& op : patch->GetArray()) {
      ++n;
      const auto what = json::str(op, "op");
      const rapidjson::Pointer ptr(json::str(op, "path").c_str());
      if (!ptr.IsValid()) return bad("patch operation " + std::to_string(n) + ": bad path");
      const auto* value = json::member(op, "value");
      if (what == "add" || what == "replace") {
        if (!value) return bad("patch operation " + std::to_string(n) + ": value missing");
        if (what == "replace" && !ptr.Get(*doc)) {
          return bad("patch operation " + std::to_string(n) + ": nothing at " + json::str(op, "path"));
        }
        rapidjson::Value copy(*value, a);
        ptr.Set(*doc, copy, a);
      } else if (what == "remove") {
        if (!ptr.Erase(*doc)) return bad("patch operation " + std::to_string(n) + ": nothing to remove");
      } else if (what == "test") {
        const auto* at = ptr.Get(*doc);
        if (!value || !at || *at != *value) return bad("patch operation " + std::to_string(n) + ": test failed");
      } else {
        return bad("patch operation " + std::to_string(n) + ": op '" + what + "' (add, remove, replace or test)");
      }
    }
  } else {
    return bad("a patch is a JSON Patch array or a merge-patch object");
  }
  if (!doc->IsObject()) return bad("the patched data is not a JSON object");
  return compact(*doc);
}

std::string json_diff(std::string_view before, std::string_view after) {
  std::map<std::string, std::string> a, b;
  if (auto d = events::parse_strict_json(before)) flatten(*d, "", a);
  if (auto d = events::parse_strict_json(after)) flatten(*d, "", b);
  std::string out;
  for (const auto& [path, value] : a) {
    auto it = b.find(path);
    if (it == b.end() || it->second != value) out += "- " + path + ": " + value + "\n";
    if (it != b.end() && it->second != value) out += "+ " + path + ": " + it->second + "\n";
  }
  for (const auto& [path, value] : b) {
    if (!a.count(path)) out += "+ " + path + ": " + value + "\n";
  }
  return out;
}

}  // namespace caas::ctl
