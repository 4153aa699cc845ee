#pragma once
// What `--print-config` (and an error message) may show of an option's value.
//
// The rule, from the option's long name and its CLI11 type name:
// - A value is a secret itself when the last word of the option's name
//   (words split on '-' and '_') ends with secret, key, token, password or
//   passphrase: --token, --jwt-secret, --api-key, --db-password. It shows
//   as ***.
// - Unless the option takes a path: a type name with FILE, DIR or PATH in it
//   (->check(CLI::ExistingFile), ->type_name("FILE")). A name whose last word
//   is file, dir or path (--jwt-secret-file, --api-key-file) does not match in
//   the first place: a path says where a secret is, not what it is, and an
//   operator needs to see it. Nor does --max-token-ttl (a duration).
// - In every value, a URL's password (postgresql://u:***@h/db,
//   redis://:***@h) and a URL query parameter named by the same rule
//   (?password=***, &sslpassword=***) are masked.
#include <string>
#include <string_view>

namespace scansync::cli {

inline constexpr std::string_view kMask = "***";

// Whether option `name` (its long name, without dashes) holds a secret itself.
bool holds_secret(std::string_view name, std::string_view type_name);
// `value` with every URL password and secret-named query parameter masked.
std::string mask_url_secrets(std::string_view value);
// What may be shown of `value`, a value of option `name`.
std::string shown_value(std::string_view name, std::string_view type_name, std::string_view value);
// Whether `value` carries a mask that shown_value wrote: a printed
// configuration read back without its secrets put back.
bool carries_mask(std::string_view value);

}  // namespace scansync::cli
