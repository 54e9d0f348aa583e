// Tickets of asynchronous runs (VkPlan::submit / wait, effnet::Engine): a
// ticket names one batch in flight and the slot (staging buffers, command
// buffer) it occupies until it is waited. TicketBook hands out the slots and
// refuses every call out of order with a TicketError instead of hanging.
// Not thread-safe (one thread, as the plan).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

// A batch submitted and not yet waited; id 0 is no ticket. Ids start at 1 and
// grow by one per submit, so a later id was submitted later.
struct Ticket {
  uint64_t id = 0;
};

class TicketBook {
 public:
  // `slots` >= 1: how many tickets may be outstanding at once.
  explicit TicketBook(int slots);

  // The lowest slot that holds no ticket. TicketError when every slot holds
  // one ("N batches in flight ...: wait for a ticket first"); `what` names the caller.
  int free_slot(const std::string& what) const;
  // A new ticket on `slot` (a free_slot() result).
  Ticket issue(int slot);
  // The slot of an outstanding ticket. TicketError for id 0, a ticket never
  // issued, or one already waited.
  int slot_of(Ticket t, const std::string& what) const;
  // Frees the slot of an outstanding ticket (slot_of's errors).
  void release(Ticket t, const std::string& what);

  int slots() const { return int(held_.size()); }
  int outstanding() const;
  // The id the next issue() returns.
  uint64_t next_id() const { return next_; }

 private:
  std::vector<uint64_t> held_;  // ticket id per slot, 0 when free
  uint64_t next_ = 1;
};

}  // namespace effnet
