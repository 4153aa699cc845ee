#include "cli/config_sources.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/config_file.h"
#include "cli/option_env.h"
#include "cli/secret_mask.h"

// The hooks below run inside CLI11's parse, which reports problems by
// throwing: so does this file (CLI::ValidationError, CLI::Success for
// --print-config), and main.cc turns them into a usage error or exit 0. The
// pure parts (config_file, option_env, secret_mask) return values.
namespace scansync::cli {
namespace {

// Higher sources first: a lower one never overrides or contradicts them.
enum class Source { command_line, environment, config_file };

struct Origin {
  Source source;
  std::string where;  // "--port", "SCANSYNC_PORT", "/etc/scansync/gateway.toml:3"
};

struct FileOptions {
  CLI::Option* config = nullptr;
  CLI::Option* print = nullptr;
};

// Shared by the two parse hooks: what the commands are, where values came from.
struct Sources {
  std::map<const CLI::App*, FileOptions> file_commands;
  std::map<const CLI::Option*, Origin> origins;
};

constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::string long_name(const CLI::Option& opt) { return opt.get_lnames().front(); }

bool is_flag(const CLI::Option& opt) { return opt.get_expected_max() == 0; }

bool is_list(const CLI::Option& opt) {
  return !is_flag(opt) &&
         (opt.get_expected_max() > 1 || opt.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll);
}

std::string shown(const CLI::Option& opt, std::string_view value) {
  return shown_value(long_name(opt), opt.get_type_name(), value);
}

// The options a source may set: named ones, not --help, not --print-config.
std::vector<CLI::Option*> settable_options(CLI::App& cmd, const FileOptions* file) {
  return cmd.get_options([&](CLI::Option* o) {
    return !o->get_lnames().empty() && o != cmd.get_help_ptr() && o != cmd.get_help_all_ptr() &&
           !(file && o == file->print);
  });
}

// CLI11's words for why a value did not convert, said for a person.
std::string conversion_problem(const CLI::Option& opt) {
  const std::string type = opt.get_type_name().substr(0, opt.get_type_name().find(':'));
  if (type == "UINT") return "not a non-negative whole number (or out of range)";
  if (type == "INT") return "not a whole number (or out of range)";
  if (type == "FLOAT") return "not a number";
  return "not a valid " + type;
}

// Whether a value of `opt` from `level` would contradict one set higher up.
bool excluded_from_above(const CLI::Option& opt, Source level, const Sources& s) {
  for (const CLI::Option* other : opt.get_excludes()) {
    const auto it = s.origins.find(other);
    if (other->count() > 0 && it != s.origins.end() && it->second.source < level) return true;
  }
  return false;
}

// Sets `opt` from a source below the command line and converts it at once,
// so that a bad value is reported with where it came from. `label` names the
// value in messages: "SCANSYNC_PORT=abc" or "/etc/x.toml:3: port = abc".
void apply(CLI::Option& opt, const std::vector<std::string>& values, Origin origin, const std::string& label,
           Sources& s) {
  for (const std::string& v : values) {
    if (carries_mask(v)) {
      throw CLI::ValidationError(label + ": a value masked by --print-config (" + std::string(kMask) +
                                 "): put the real one back");
    }
  }
  if (is_flag(opt)) {
    const auto on = parse_flag_value(values.front());
    if (!on) throw CLI::ValidationError(label + ": a flag takes true or false");
    opt.add_result(*on ? "true" : "false");
  } else {
    for (const std::string& v : values) opt.add_result(v);
  }
  try {
    opt.run_callback();
  } catch (const CLI::ParseError& e) {
    std::string why = e.get_name() == "ConversionError" ? conversion_problem(opt) : e.what();
    const std::string prefix = opt.get_name() + ": ";
    if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
    throw CLI::ValidationError(label + ": " + why);
  }
  s.origins[&opt] = std::move(origin);
}

std::string joined_for_message(const CLI::Option& opt, const std::vector<std::string>& values) {
  std::vector<std::string> masked;
  for (const auto& v : values) masked.push_back(shown(opt, v));
  if (values.size() == 1 && !is_list(opt)) return config_value_text(masked.front());
  return config_array_text(masked);
}

void read_environment(const std::vector<CLI::Option*>& options, Sources& s) {
  for (CLI::Option* opt : options) {
    if (opt->count() > 0) continue;
    const std::string var = env_name(long_name(*opt));
    const char* text = std::getenv(var.c_str());
    if (text == nullptr || *text == '\0' || excluded_from_above(*opt, Source::environment, s)) continue;
    std::vector<std::string> values{text};
    if (is_list(*opt)) {
      EnvList list = parse_env_list(text);
      if (!list.problem.empty()) throw CLI::ValidationError(var + " (environment): " + list.problem);
      values = std::move(list.values);
      if (values.empty()) continue;
    }
    apply(*opt, values, {Source::environment, var}, var + "=" + shown(*opt, text), s);
  }
}

std::string read_file_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw CLI::ValidationError("--config " + path + ": a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CLI::ValidationError("--config " + path + ": cannot read it (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw CLI::ValidationError("--config " + path + ": cannot read it (" + std::strerror(errno) + ")");
  if (text.str().size() > kMaxConfigBytes) throw CLI::ValidationError("--config " + path + ": larger than 1 MB");
  return std::move(text).str();
}

void read_config_file(CLI::App& cmd, const std::string& path, const FileOptions& file, Sources& s) {
  const ParsedConfig parsed = parse_config_text(read_file_text(path));
  if (parsed.problem) throw CLI::ValidationError(path + ":" + std::to_string(parsed.problem->line) + ": " + parsed.problem->why);
  std::map<const CLI::Option*, int> seen;  // option → the line that set it
  for (const ConfigEntry& e : parsed.entries) {
    const std::string at = path + ":" + std::to_string(e.line);
    if (!e.section.empty() && e.section != cmd.get_name()) {
      throw CLI::ValidationError(path + ":" + std::to_string(e.section_line) + ": section [" + e.section + "] is not this command's (keys go at the top or under [" +
                                 cmd.get_name() + "])");
    }
    std::string key = e.key;
    if (key.rfind(cmd.get_name() + ".", 0) == 0) key.erase(0, cmd.get_name().size() + 1);  // CLI11's gateway.port
    for (char& c : key) {
      if (c == '_') c = '-';
    }
    CLI::Option* opt = cmd.get_option_no_throw("--" + key);
    if (opt == nullptr || opt == cmd.get_help_ptr() || opt == cmd.get_help_all_ptr()) {
      throw CLI::ValidationError(at + ": unknown key '" + e.key + "' (" + cmd.get_parent()->get_name() + " " +
                                 cmd.get_name() + " has no --" + key + ")");
    }
    if (opt == file.config || opt == file.print) {
      throw CLI::ValidationError(at + ": " + e.key + " cannot be set in a config file");
    }
    if (const auto before = seen.find(opt); before != seen.end()) {
      throw CLI::ValidationError(at + ": " + e.key + " is set twice (also on line " + std::to_string(before->second) + ")");
    }
    seen[opt] = e.line;
    if (e.is_array && !is_list(*opt)) {
      throw CLI::ValidationError(at + ": " + e.key + " takes one value, not an array");
    }
    if (opt->count() > 0 || e.values.empty() || excluded_from_above(*opt, Source::config_file, s)) continue;
    apply(*opt, e.values, {Source::config_file, at}, at + ": " + e.key + " = " + joined_for_message(*opt, e.values), s);
  }
}

void merge_sources(CLI::App& cmd, Sources& s) {
  const auto f = s.file_commands.find(&cmd);
  const FileOptions* file = f == s.file_commands.end() ? nullptr : &f->second;
  const std::vector<CLI::Option*> options = settable_options(cmd, file);
  for (CLI::Option* opt : options) {
    if (opt->count() > 0) s.origins[opt] = {Source::command_line, opt->get_name()};
  }
  read_environment(options, s);
  if (file && file->config->count() > 0) read_config_file(cmd, file->config->as<std::string>(), *file, s);
}

// The chain of commands the user named: gateway; db, new-epoch.
std::vector<CLI::App*> named_commands(CLI::App& app) {
  std::vector<CLI::App*> chain;
  for (CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    chain.push_back(at);
  }
  return chain;
}

bool help_asked(CLI::App& app) {
  if (app.get_help_ptr() && app.get_help_ptr()->count() > 0) return true;
  for (CLI::App* cmd : named_commands(app)) {
    if ((cmd->get_help_ptr() && cmd->get_help_ptr()->count() > 0) ||
        (cmd->get_help_all_ptr() && cmd->get_help_all_ptr()->count() > 0)) {
      return true;
    }
  }
  return false;
}

std::string value_text(const CLI::Option& opt) {
  if (is_flag(opt)) return opt.as<bool>() ? "true" : "false";
  if (is_list(opt)) {
    std::vector<std::string> values;
    for (const auto& v : opt.as<std::vector<std::string>>()) values.push_back(shown(opt, v));
    return config_array_text(values);
  }
  return config_value_text(shown(opt, opt.as<std::string>()));
}

void print_config(CLI::App& cmd, const FileOptions& file, const Sources& s) {
  std::string out = "# " + cmd.get_parent()->get_name() + " " + cmd.get_name() +
                    ": the configuration it runs with (--print-config).\n"
                    "# Read back with --config FILE. Precedence: command line > environment (SCANSYNC_*)\n"
                    "# > config file > defaults; defaults are the commented lines. A secret shows as " +
                    std::string(kMask) + ": put it back.\n";
  for (const CLI::Option* opt : settable_options(cmd, &file)) {
    if (opt == file.config) continue;
    const std::string name = long_name(*opt);
    if (opt->count() == 0) {
      const std::string fallback = opt->get_default_str();
      if (!fallback.empty()) {
        out += "# " + name + " = " + shown(*opt, fallback) + "  (default)\n";
      } else {
        out += "# " + name + (is_flag(*opt) ? " = false  (default)\n" : "  (not set)\n");
      }
      continue;
    }
    const auto origin = s.origins.find(opt);
    const std::string from = origin == s.origins.end() ? opt->get_name() : origin->second.where;
    out += name + " = " + value_text(*opt) + "  # " + from + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void install_config_sources(CLI::App& app, const std::vector<std::string>& with_config_file) {
  auto sources = std::make_shared<Sources>();
  for (const std::string& name : with_config_file) {
    CLI::App* cmd = app.get_subcommand(name);
    FileOptions file;
    const std::string config_help =
        "A configuration file: OPTION = VALUE lines, every option by its long name (TOML or INI; README, Configuration)";
    file.config = cmd->add_option("--config", config_help)->type_name("FILE")->configurable(false);
    const std::string print_help =
        "Print the configuration that the command line, SCANSYNC_* and --config make (secrets masked), and exit";
    file.print = cmd->add_flag("--print-config", print_help);
    sources->file_commands[cmd] = file;
  }
  // The other sources' values must go in after the command line is parsed
  // and before CLI11 converts values and checks required / needs / excludes,
  // so that those checks see them. CLI11 (2.x, App::_process_callbacks) runs
  // the callbacks of the top level's options there, subcommands' after: a
  // hidden top-level option whose callback is forced to run is that moment.
  CLI::Option* hook = app.add_option(
      "--internal-config-sources",
      [&app, sources](const CLI::results_t&) {
        if (help_asked(app)) return true;  // --help wins over a bad source
        for (CLI::App* cmd : named_commands(app)) merge_sources(*cmd, *sources);
        return true;
      },
      "");
  hook->force_callback()->group("");
  // After those checks, before the command's callback runs.
  app.parse_complete_callback([&app, sources] {
    for (CLI::App* cmd : named_commands(app)) {
      const auto f = sources->file_commands.find(cmd);
      if (f == sources->file_commands.end() || f->second.print->count() == 0) continue;
      print_config(*cmd, f->second, *sources);
      throw CLI::Success();
    }
  });
}

}  // namespace scansync::cli
