#pragma once
// Session and socket ids: 120 random bits, base64url (20 characters), like
// the reference server's base64id. Unguessable: a polling sid is the only
// credential of its session's later requests.
#include <string>

namespace scansync::gateway {
std::string random_id();
}
