#include "auth/aws/aws_profile.hpp"

#include <cstdlib>

#include "core/environment.hpp"
#include "core/error.hpp"

namespace cloudsync::auth {

std::optional<std::string> AwsEnvironment::value(std::string_view name) const {
  if (!get) return std::nullopt;
  std::optional<std::string> v = get(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::filesystem::path AwsEnvironment::expand(const std::string& path) const {
  if (path.starts_with("~/")) return home / path.substr(2);
  return path;
}

AwsEnvironment process_aws_environment() {
  AwsEnvironment env;
  env.get = environment_variable;
  env.home = environment_variable("HOME").value_or("");
  return env;
}

Result<AwsConfigFiles> load_aws_config_files(const AwsEnvironment& env) {
  AwsConfigFiles files;
  auto file_from = [&](std::string_view var, std::string_view fallback) -> std::filesystem::path {
    if (auto v = env.value(var)) return env.expand(*v);
    return env.home / ".aws" / fallback;
  };
  files.config_file = file_from("AWS_CONFIG_FILE", "config");
  files.credentials_file = file_from("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  if (env.home.empty() && !env.value("AWS_CONFIG_FILE") && !env.value("AWS_SHARED_CREDENTIALS_FILE")) return files;
  CLOUDSYNC_ASSIGN_OR_RETURN(files.config, load_shared_config(files.config_file));
  CLOUDSYNC_ASSIGN_OR_RETURN(files.credentials, load_shared_config(files.credentials_file));
  return files;
}

std::optional<std::string> AwsProfile::setting(const std::string& key) const {
  for (const ProfileSettings* settings : {&credentials, &config}) {
    auto it = settings->find(key);
    if (it != settings->end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

std::string AwsProfile::describe() const { return "profile '" + name + "'"; }

AwsProfile find_aws_profile(const AwsConfigFiles& files, const std::string& name) {
  AwsProfile view;
  view.name = name;
  view.config_file = files.config_file;
  view.credentials_file = files.credentials_file;
  if (auto p = find_profile(files.config, name, false)) {
    view.config = std::move(*p);
    view.found = true;
    // "services = name" points at a [services name] section with per-service settings.
    if (auto svc = view.config.find("services"); svc != view.config.end()) {
      auto section = files.config.find("services " + svc->second);
      if (section != files.config.end()) {
        for (const auto& [k, v] : section->second) {
          if (k.starts_with("s3.") || k.starts_with("sts.")) view.config.emplace(k, v);  // the profile's own win
        }
      }
    }
  }
  if (auto p = find_profile(files.credentials, name, true)) {
    view.credentials = std::move(*p);
    view.found = true;
  }
  return view;
}

Result<AwsProfile> load_aws_profile(const AwsConfigFiles& files, const AwsEnvironment& env, const std::string& name) {
  std::string chosen = name;
  if (chosen.empty()) chosen = env.value("AWS_PROFILE").value_or("");
  if (chosen.empty()) chosen = env.value("AWS_DEFAULT_PROFILE").value_or("default");
  AwsProfile view = find_aws_profile(files, chosen);
  view.explicit_name = !name.empty();
  if (view.explicit_name && !view.found) {
    return make_error(ErrorCode::InvalidArgument, "AWS profile '{}' is in neither {} nor {}", view.name,
                      files.config_file.string(), files.credentials_file.string());
  }
  return view;
}

}  // namespace cloudsync::auth
