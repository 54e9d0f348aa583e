#include "model/ticket.h"

#include <algorithm>

#include "model/errors.h"

namespace effnet {

TicketBook::TicketBook(int slots) : held_(size_t(std::max(1, slots)), 0) {}

int TicketBook::free_slot(const std::string& what) const {
  for (size_t i = 0; i < held_.size(); ++i)
    if (held_[i] == 0) return int(i);
  throw TicketError(what + ": " + std::to_string(held_.size()) + " batch" + (held_.size() > 1 ? "es" : "") +
                    " in flight already (the most allowed, option inflight): wait for a ticket first");
}

Ticket TicketBook::issue(int slot) {
  held_.at(size_t(slot)) = next_;
  return Ticket{next_++};
}

int TicketBook::slot_of(Ticket t, const std::string& what) const {
  if (t.id != 0)
    for (size_t i = 0; i < held_.size(); ++i)
      if (held_[i] == t.id) return int(i);
  if (t.id == 0 || t.id >= next_)
    throw TicketError(what + ": ticket " + std::to_string(t.id) + " was never issued");
  throw TicketError(what + ": ticket " + std::to_string(t.id) + " was waited already");
}

void TicketBook::release(Ticket t, const std::string& what) { held_[size_t(slot_of(t, what))] = 0; }

int TicketBook::outstanding() const {
  return int(std::count_if(held_.begin(), held_.end(), [](uint64_t id) { return id != 0; }));
}

}  // namespace effnet
