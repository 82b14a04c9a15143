"""What the demo history's people say: the team, the clients, and the complaint scenarios with every
text a case needs (concerns, questions, root problem, plan, updates, delivery). Data only; the
generator (_demo_history.py) picks from it with its seeded random."""
from collections import namedtuple

# username, first name, last name, supervisor, and how the rep works:
# keep = chance of keeping a promise on time (the team improves a little over the window),
# reneg = chance of asking the client for more time instead, speed = multiplier on time in a step,
# eta = (early, within, late) weights for how the delivery lands against the range given,
# follow = chance of making the follow-up call on the day, load = share of new cases.
Rep = namedtuple("Rep", "username first last supervisor keep reneg speed eta follow load")
REPS = [
    Rep("fran", "Fran", "Lindqvist", "sam", 0.90, 0.06, 0.9, (2, 7, 1), 0.90, 1.2),
    Rep("alex", "Alex", "Moreau", "sam", 0.80, 0.08, 1.0, (1, 5, 4), 0.75, 1.0),
    Rep("kim", "Kim", "Adeyemi", "sam", 0.86, 0.05, 0.8, (3, 6, 1), 0.85, 1.0),
    Rep("ravi", "Ravi", "Menon", "dana", 0.74, 0.30, 1.2, (1, 6, 3), 0.60, 0.9),
    Rep("noor", "Noor", "Haddad", "dana", 0.94, 0.04, 0.7, (2, 8, 1), 0.95, 1.1),
    Rep("leo", "Leo", "Brandt", "dana", 0.70, 0.10, 1.4, (1, 4, 5), 0.55, 0.8),
]
SUPERVISORS = [("sam", "Sam", "Okafor"), ("dana", "Dana", "Kowalski")]

FIRST_NAMES = [
    "Tomás", "Zoë", "Łukasz", "Søren", "Aoife", "José", "Chloé", "Björn", "Amara", "Hiroshi", "Fatima", "Siobhán",
    "Rahul", "Olga", "Kwame", "Lucía", "Mateus", "Ingrid", "Yusuf", "Nadia", "Emre", "Grace", "Pieter", "Camille",
    "Marta", "Ahmed", "Elena", "Jonas", "Aisha", "Daniel", "Sakura", "Liam", "Priyanka", "Hugo", "Ana", "Freya",
    "Mikael", "Beatriz", "Tariq", "Maeve",
]
LAST_NAMES = [
    "Álvarez", "Nowak", "Østergaard", "Ní Bhriain", "Martin", "Ekström", "Okoye", "Tanaka", "Benali", "Kelly",
    "Verma", "Ivanova", "Mensah", "Fernández", "Costa", "Solberg", "Demir", "Rahman", "Yıldız", "Wanjiru",
    "de Vries", "Dubois", "Nowicka", "Karim", "Rossi", "Weber", "Bello", "Cohen", "Ito", "O'Connor", "Rao",
    "Lefèvre", "Popescu", "Lund", "Virtanen", "Santos", "Aziz", "Byrne", "Keller", "Moretti",
]
BUSINESSES = [
    "Bakery", "Dental", "Logistics", "Architects", "Florists", "Physio", "Bookshop", "Garage", "Print Studio",
    "Vet Clinic", "Law Office", "Cycle Repairs", "Pharmacy", "Opticians", "Roastery", "Catering", "Tailors",
    "Travel", "Accountants", "Yoga Studio",
]
# (time zone, phone prefix), the first ones most likely.
PLACES = [
    ("Europe/London", "+44 20 7946 0"), ("Europe/London", "+44 161 496 0"), ("Europe/Dublin", "+353 1 555 0"),
    ("Europe/Madrid", "+34 91 555 0"), ("Europe/Berlin", "+49 30 5555 0"), ("Europe/Paris", "+33 1 5555 0"),
    ("Europe/Stockholm", "+46 8 555 0"), ("America/New_York", "+1 212 555 0"), ("Asia/Tokyo", "+81 3 5555 0"),
    ("Australia/Sydney", "+61 2 5550 0"),
]

Scenario = namedtuple("Scenario", "summary concerns questions root expected items prevention")
# concerns: [(description, impact, feeling)]; questions: [(question, answer)];
# items: {"mitigate": [...], "fix": [...], "prevent": [...]}.
SCENARIOS = [
    Scenario(
        "Web shop down after the overnight platform upgrade",
        [("The shop shows an error page and no orders have come in since the upgrade",
          "Every hour offline loses orders the business counts on this week", "Angry and worried about sales"),
         ("Customers write to say their baskets were emptied", "Regular customers may go elsewhere",
          "Embarrassed in front of customers")],
        [("When did you first notice the shop was down?", "At opening time, when a customer phoned to complain"),
         ("What does working look like for you today?", "Orders coming in and the basket keeping its items")],
        "The upgrade left the shop on an old database schema, so every page that reads the catalogue fails",
        "The shop taking orders again today, and knowing it will not happen at the next upgrade",
        {"mitigate": ["Put up a maintenance page that takes orders by email"],
         "fix": ["Migrate the shop's database to the new schema and restart it"],
         "prevent": ["Add a schema check to the upgrade runbook"]},
        "Upgrades now run a schema check first and roll back on their own when it fails",
    ),
    Scenario(
        "Business email stopped receiving messages",
        [("None of the team's mailboxes have received anything since yesterday",
          "Quotes and supplier replies are stuck somewhere", "Anxious about missing clients")],
        [("Can you still send email out?", "Yes, sending works, only nothing arrives"),
         ("Did anything change on your side recently?", "We moved the website to a new address last week")],
        "The domain move replaced the mail records, so incoming mail goes to the old server",
        "Every missed message delivered and mail arriving normally again",
        {"mitigate": ["Forward the old server's mail to the new mailboxes"],
         "fix": ["Restore the domain's mail records and flush the queued messages"],
         "prevent": ["Add mail records to the domain move checklist"]},
        "Domain moves now copy the mail records and test delivery before switching",
    ),
    Scenario(
        "Invoices sent with the wrong VAT rate",
        [("This month's invoices show the reduced VAT rate instead of the standard one",
          "Clients are querying every invoice and payments are on hold", "Upset and worried about the tax office")],
        [("Which invoices are affected?", "Everything issued since the first of the month"),
         ("How should the corrected invoices reach your clients?", "By email, with a short apology note")],
        "A tax table update set the default rate on every product to the reduced rate",
        "Correct invoices for every client and a note he can forward to his accountant",
        {"mitigate": ["Send the client a list of affected invoices for his accountant"],
         "fix": ["Correct the tax table and reissue the affected invoices"],
         "prevent": ["Review tax table changes with a second person before release"]},
        "Tax table changes are now reviewed by a second person and tested on a sample invoice",
    ),
    Scenario(
        "Card terminal declines contactless payments",
        [("Contactless cards are declined at the till while chip and PIN works",
          "Lunch queues grow and some customers leave without paying", "Stressed at the busiest time of day")],
        [("Does it happen with every card?", "Every contactless card and phone payment since Monday"),
         ("Have you restarted the terminal?", "Yes, twice, and it made no difference")],
        "The terminal's firmware rejects the new contactless kernel pushed on Monday",
        "Contactless working before the weekend rush",
        {"mitigate": ["Courier a spare terminal with the old firmware"],
         "fix": ["Push the corrected firmware to the terminal"],
         "prevent": ["Stage firmware pushes on a pilot group first"]},
        "Firmware now goes to a pilot group for two days before every terminal gets it",
    ),
    Scenario(
        "Appointment system double-booked patients",
        [("Every slot this morning was booked twice", "Patients waited over an hour and some left angry",
          "Furious and embarrassed in front of patients")],
        [("Since when have bookings doubled?", "Since the reminder feature was switched on last night"),
         ("Are online bookings affected too?", "Yes, online and phone bookings both")],
        "The reminder job re-saves each appointment and the calendar counts it as a new booking",
        "A clean diary for tomorrow and a way to contact today's double-booked patients",
        {"mitigate": ["Export the double bookings so the front desk can call patients"],
         "fix": ["Stop the reminder job re-saving appointments and remove the duplicates"],
         "prevent": ["Add a duplicate-booking alert to the diary"]},
        "The diary now raises an alert when a slot holds two bookings",
    ),
    Scenario(
        "Parcel tracking page shows delivered parcels as lost",
        [("Parcels that arrived show as lost on the tracking page", "Customers file claims and ask for refunds",
          "Frustrated and tired of explaining")],
        [("Which carriers are affected?", "Only the two carriers added last month"),
         ("How many claims so far?", "About twenty since Friday")],
        "The new carriers' status codes are not mapped, so unknown codes fall back to lost",
        "Correct tracking for every parcel and the wrongful claims withdrawn",
        {"mitigate": ["Send customers a corrected status for the affected parcels"],
         "fix": ["Map the new carriers' status codes"],
         "prevent": ["Fail loudly on unknown carrier codes instead of guessing"]},
        "Unknown carrier codes now raise an alert instead of showing parcels as lost",
    ),
    Scenario(
        "Online menu shows last season's prices",
        [("The menu page lists the old prices", "Customers argue at the till about the price",
          "Anxious about looking dishonest")],
        [("Did you update the prices in the back office?", "Yes, last Tuesday, and they show correctly there")],
        "The menu page is served from a cache that is never refreshed after a price change",
        "The right prices online before Friday's service",
        {"mitigate": ["Clear the menu cache by hand"],
         "fix": ["Refresh the menu cache whenever a price changes"],
         "prevent": ["Add a price check to the nightly site test"]},
        "The nightly site test now compares online prices with the back office",
    ),
    Scenario(
        "Payroll export fails the day before payday",
        [("The payroll export stops halfway with an error", "Staff will not be paid on time if it is not fixed",
          "Panicking about paying the team")],
        [("What does the error say?", "Something about an invalid bank code on one employee"),
         ("Did anyone join or change bank details recently?", "Two new starters this month")],
        "A new starter's bank code has a format the export does not accept, and it aborts the whole file",
        "Everyone paid tomorrow, and a warning next time instead of a failed export",
        {"mitigate": ["Produce the payment file by hand for tomorrow's run"],
         "fix": ["Accept the new bank code format in the export"],
         "prevent": ["Skip and report a bad record instead of aborting the export"]},
        "The export now skips and reports a bad record instead of aborting the whole payroll",
    ),
    Scenario(
        "Website forms send nothing to the inbox",
        [("Contact and quote forms say sent but nothing arrives", "New enquiries are being lost every day",
          "Worried about losing new clients")],
        [("When did the last enquiry arrive?", "Ten days ago, which never happens"),
         ("Has the site been changed recently?", "A new theme was installed two weeks ago")],
        "The new theme's form plugin sends through a mail account whose password expired",
        "Every lost enquiry recovered and forms that work",
        {"mitigate": ["Recover the stored form entries and send them to the client"],
         "fix": ["Reconnect the form plugin with a service account"],
         "prevent": ["Monitor form delivery with a daily test submission"]},
        "A daily test submission now checks that forms reach the inbox",
    ),
    Scenario(
        "Broadband drops several times a day",
        [("The office connection drops for minutes at a time", "Card payments and video calls fail mid-way",
          "Exasperated after three earlier calls")],
        [("At what times does it drop?", "Mostly mid-morning and after lunch"),
         ("Is the router the one we supplied?", "Yes, the black one from last year")],
        "The line card at the exchange overheats at peak times and resets",
        "A connection that stays up through a whole working day",
        {"mitigate": ["Send a 4G backup router"],
         "fix": ["Move the line to a new card at the exchange"],
         "prevent": ["Alert on repeated line resets before the client notices"]},
        "Repeated line resets now raise an alert for the network team",
    ),
    Scenario(
        "Loyalty points vanished from customer accounts",
        [("Customers' loyalty points reset to zero", "Regulars complain and ask for compensation",
          "Upset and worried about goodwill")],
        [("Is every customer affected?", "Everyone who shopped since the weekend"),
         ("Can customers still earn points?", "Yes, new points are added from zero")],
        "A weekend data import overwrote balances instead of adding to them",
        "Every balance restored and a message to customers",
        {"mitigate": ["Give the shop a list of the balances before the import"],
         "fix": ["Restore balances from the weekend backup and replay new points"],
         "prevent": ["Run imports on a copy and compare totals first"]},
        "Imports now run on a copy first and stop if the totals drop",
    ),
    Scenario(
        "Online bookings charged twice",
        [("Customers see two charges for one booking", "Refund requests and angry reviews are piling up",
          "Angry and anxious about the reviews")],
        [("How many bookings are affected?", "Around forty since Thursday"),
         ("Do customers get two confirmations?", "No, one confirmation and two charges")],
        "A payment retry fires even when the first payment succeeded but answered slowly",
        "Every double charge refunded and an apology customers can read",
        {"mitigate": ["Refund every duplicate charge found so far"],
         "fix": ["Make the payment retry check for an existing charge first"],
         "prevent": ["Reconcile charges and bookings every night"]},
        "Charges and bookings are now reconciled every night and duplicates flagged",
    ),
    Scenario(
        "Shared drive lost last week's files",
        [("A folder of last week's work is empty", "Two client deliveries are due on Friday",
          "Scared of missing the deadline")],
        [("Who noticed first?", "The designer, on Monday morning"),
         ("Was anything moved or renamed?", "Someone tidied the folders on Friday evening")],
        "A folder tidy-up moved the files into an archive the team cannot see",
        "The files back where the team works, before Friday",
        {"mitigate": ["Give the team read access to the archive copy"],
         "fix": ["Move the files back and restore the folder permissions"],
         "prevent": ["Turn on the drive's undo for folder moves"]},
        "Folder moves can now be undone for thirty days, and the team knows how",
    ),
    Scenario(
        "Phone line plays the closed message during opening hours",
        [("Callers hear the closed message at midday", "Patients cannot book by phone",
          "Irritated and worried about lost bookings")],
        [("Since when?", "Since the clocks changed on Sunday"),
         ("Which numbers are affected?", "The main number only")],
        "The opening-hours schedule ignores the clock change and runs an hour out",
        "Calls answered during opening hours, and no repeat in the autumn",
        {"mitigate": ["Switch the line to always open while it is fixed"],
         "fix": ["Set the schedule's time zone so it follows the clock change"],
         "prevent": ["Check every schedule the week before each clock change"]},
        "Schedules now follow the local time zone and are checked before each clock change",
    ),
]

ACKS = [
    "So since {when} {what_lower}, and {impact_lower}. I understand why you feel this way, and thank you for "
    "calling us straight away.",
    "I hear you: {what_lower}, and that means {impact_lower}. That is a lot to deal with, and I'm glad you told us.",
    "Thank you for explaining it so clearly. {what} — and on top of that {impact_lower}. No wonder you are "
    "worried.",
]
ACK_WHEN = ["this morning", "yesterday", "the weekend", "the update", "last night"]
RECOMMITS = [
    "Keeping your business running is exactly what we signed up to do, and the whole team is on it now.",
    "We hold ourselves to working services for you, and we will put this right together.",
    "This is below the standard we promise every client, and the team will see it through with you.",
]
UPDATE_TEXTS = [
    "Under way: {item}. We still expect the fix between {lo} and {hi} hours from now.",
    "Progress since the last call: “{item}” is nearly done. The fix is expected within {lo} to {hi} hours.",
    "On schedule. Next: {item}; the client will have it back in {lo} to {hi} hours.",
    "Testing the fix now; if it holds, the service is back in {lo} to {hi} hours.",
]
CONTACTS = [
    "Called to ask whether the fix is still on for today; I told them the owner will call back within the hour.",
    "Wrote in to say the problem came back for a few minutes this morning and wanted someone to know.",
    "Phoned while the owner was on another call, asking when the next update is due.",
]
FOLLOW_UP_NOTES = [
    "Everything still works; the client thanked the team and has nothing more to report.",
    "Client confirms no repeat since the fix and is happy with the prevention step.",
    "All fine since delivery; the client asked for the prevention note to share with staff.",
]
EXTRA_MILE = [
    "Sent a short guide the client's staff can use if it ever happens again.",
    "Credited a month's fee as an apology for the disruption.",
    "Checked the client's other services for the same fault while we were there.",
]
ESCALATION_NOTES = {
    "irate": ["The client is shouting and wants a manager on the line before going on.",
              "The client threatens to leave and will not calm down; please join the call."],
    "no_plan": ["The fix depends on a supplier who will not give a date; I cannot promise a range.",
                "Two teams disagree on the cause, so I cannot form a plan yet."],
    "cannot_enroll": ["Networking cannot take the item this week; I need someone to free up a person.",
                      "The only engineer who knows this system is on leave until Monday."],
    "liability": ["The client asks for compensation for lost sales; I need to know what we can offer.",
                  "The client's lawyer is copied in and asks for a written statement."],
    "other": ["The client asks for a call with our director before agreeing to anything.",
              "Same fault as a case closed last month; we may need a wider look."],
}
SUPERVISOR_NOTES = [
    "Called the client myself; they agreed to the plan once they heard the dates.",
    "Spoke to the team lead; they will take the item today.",
    "Checked the promise with the owner; a new time is agreed with the client.",
]
RESOLUTIONS = {
    "irate": "Joined the call; the client calmed down once they heard exactly what happens and by when.",
    "no_plan": "Agreed the plan with the supplier's manager; the rep has a date to give the client.",
    "cannot_enroll": "Freed up an engineer from another team for the item.",
    "liability": "Agreed a goodwill credit within policy; the rep has the wording to give the client.",
    "other": "Handled with the client directly; the case continues with its owner.",
    "broken_promise": "Talked it through with the owner; the client has been called and a new time agreed.",
    "stalled": "Checked with the owner: waiting on the client's answers; a reminder is set.",
}
HANDOFF_REASONS = [
    "Going on leave tomorrow; {to} knows this client's setup.",
    "Too many open cases this week; {to} has room and knows the product.",
    "{to} fixed the same fault for this client last month.",
]
ASK_REASONS = [
    "The client called me twice while the owner was out; I can take it from here.",
    "I know this client's system well and can move faster on it.",
]
CANCEL_REASONS = [
    "Not needed any more: the fix made it unnecessary.",
    "The client chose to handle this part themselves.",
    "Replaced by a better item agreed with the client.",
]
AGREEMENTS = [
    "Fine, as long as I hear from you by then.",
    "OK, tomorrow is better than a rushed fix today.",
    "Alright, but please keep me posted if anything changes.",
]
LOOSE_ENDS = [
    "The client tested it and one part still fails; more work is needed.",
    "Fixed for most users, but two of the client's staff still see the problem.",
]
REOPEN_REASONS = [
    "The problem came back after three days; the client called again.",
    "The same fault returned after the weekend.",
]
FORCE_CLOSE_REASONS = [
    "Duplicate of another case for the same client; work continues there.",
    "The client moved to another provider and asked us to stop.",
    "The client stopped answering after several attempts over two weeks.",
]
