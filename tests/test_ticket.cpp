// TicketBook (model/ticket.h): the lowest free slot, growing ids, and every
// call out of order a one-line TicketError.
#include <catch2/catch_test_macros.hpp>

#include "model/errors.h"
#include "model/ticket.h"
#include "tests/support/error_text.h"

using namespace effnet;

TEST_CASE("TicketBook hands out the lowest free slot and refuses calls out of order", "[ticket]") {
  TicketBook book(2);
  CHECK(book.slots() == 2);
  const int s0 = book.free_slot("t");
  const Ticket a = book.issue(s0);
  const Ticket b = book.issue(book.free_slot("t"));
  CHECK(s0 == 0);
  CHECK(a.id == 1);
  CHECK(b.id == 2);
  CHECK(book.slot_of(b, "t") == 1);
  CHECK(book.outstanding() == 2);
  CHECK(test::error_text<TicketError>([&] { book.free_slot("submit"); }).rfind("submit: 2 batches", 0) == 0);
  book.release(a, "t");
  CHECK(book.free_slot("t") == 0);  // a's slot, freed first
  CHECK(test::error_text<TicketError>([&] { book.slot_of(a, "wait"); }).find("waited already") !=
        std::string::npos);
  test::error_text<TicketError>([&] { book.release(a, "wait"); });
  CHECK(test::error_text<TicketError>([&] { book.slot_of(Ticket{}, "wait"); }).find("never issued") !=
        std::string::npos);
  CHECK(test::error_text<TicketError>([&] { book.slot_of(Ticket{3}, "wait"); }).find("never issued") !=
        std::string::npos);
  const Ticket c = book.issue(0);
  CHECK(c.id == 3);
  CHECK(book.next_id() == 4);
  book.release(b, "t");
  book.release(c, "t");
  CHECK(book.outstanding() == 0);
}
