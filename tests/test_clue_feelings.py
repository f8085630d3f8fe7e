"""The feeling attached to each clue is the clue's own (docs/language.md, "The feeling of a clue").

Hand-made sentences with known answers, one group per phenomenon, through the product path:
``cxaudit.analyze`` (the run's batch function) with a small codebook naming the targets.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cxaudit.nlp import build_pipeline
from cxaudit.run.analysis import analyze

DATA = Path(__file__).resolve().parent / "data"

BOOK = textwrap.dedent("""\
    name: targets
    version: "1"
    description: the clues of the hand-made sentences
    codes:
      - id: staff
        label: Staff
        clue_type: humanic
        patterns:
          phrases: [staff, the agent, the receptionist, the nurse, the crew, the woman, the concierge, waiter,
                    the owners, the employees, the hostess, the helpline, the call centre, the lady, the engineer]
        examples: [The staff were kind.]
      - id: place
        label: Place
        clue_type: mechanic
        patterns:
          phrases: [washroom, the lounge, the seats, the room, the food, the space, service, wifi, legroom, queue,
                    the ward, traffic noise, parking]
        examples: [The washroom was clean.]
      - id: digital
        label: Digital
        clue_type: mechanic
        patterns:
          phrases: [the app, the portal, the website, version 4, the timetable, smart meter]
        examples: [The app works.]
      - id: money
        label: Money
        clue_type: functional
        patterns:
          phrases: [the bill, the fees, my bag, the refund, the delivery, my blood pressure, the desk, fees, the booking,
                    my bill, my broadband, refund]
        examples: [The bill was wrong.]
    """)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "targets.yml"
    path.write_text(BOOK, encoding="utf-8")
    return str(path)


def feelings(text: str, book) -> dict[str, tuple[str, float, float]]:
    """{evidence (lower case): (valence, polarity, confidence)} of the tags of one comment."""
    turns = pd.DataFrame({"doc_id": ["c1"], "turn_id": [0], "role": ["participant"], "text": [text]})
    tags = analyze(turns, [book], model="blank").tags
    return {r.evidence.lower(): (r.valence, r.polarity, r.confidence) for r in tags.itertuples()}


CASES = [
    # contrast: each side keeps its own feeling; a clue without one takes the other side's opposite
    ("contrast", "Friendly staff but a filthy washroom.", {"staff": "positive", "washroom": "negative"}),
    ("contrast", "The app is great but the staff had no idea what they were doing.",
     {"the app": "positive", "staff": "negative"}),
    ("contrast", "The seats were awful, although the crew were lovely.", {"the seats": "negative", "the crew": "positive"}),
    # "but it …" goes on about the clue up to its weak break; the next clause has a subject of its own
    ("contrast", "My bag was checked in but it never arrived, and the app was useless.",
     {"my bag": "negative", "the app": "negative"}),
    ("contrast", "The delivery was booked for Monday but it never came, and the website was no help.",
     {"the delivery": "negative", "the website": "negative"}),
    # a "lacking" that negates nothing judges its own clause's clue
    ("contrast", "The staff were lacking, but the app was great.", {"staff": "negative", "the app": "positive"}),
    # ownership: another clue's feeling is not this one's
    ("ownership", "We asked the waiter for the bill and the food was cold and inedible.",
     {"waiter": "neutral", "the bill": "neutral", "the food": "negative"}),
    ("ownership", "I phoned about the refund and the receptionist was wonderful.",
     {"the receptionist": "positive", "the refund": "neutral"}),
    # coordination: clues joined by "and" share the judgement
    ("coordination", "The seats and the food were awful.", {"the seats": "negative", "the food": "negative"}),
    # a list goes on through items that are no clue ("the coffee"); an opener before the list is no clause
    ("coordination", "We love the food, the coffee, and the seats!", {"the food": "positive", "the seats": "positive"}),
    ("coordination", "I'm writing because the food and service was excellent.",
     {"the food": "positive", "service": "positive"}),
    ("coordination", "We asked for the bill, we were tired and the food was cold.",
     {"the bill": "neutral", "the food": "negative"}),
    # negation and its scope
    ("negation", "The staff were not helpful at all.", {"staff": "negative"}),
    ("negation", "Version 4 is a lot less buggy than version 3.", {"version 4": "positive"}),
    ("negation", "The app is less reliable than it was.", {"the app": "negative"}),
    # excess
    ("excess", "The fees are far too high.", {"the fees": "negative"}),
    ("excess", "The room was too small.", {"the room": "negative"}),
    # wishes and conditionals: praise of a wanted state is not a current compliment
    ("wish", "It would be great if the timetable were actually up to date.", {"the timetable": "negative"}),
    ("wish", "I wish the staff were as cheerful as last year.", {"staff": "negative"}),
    # the clue a wish against the facts is about, without a judgement word: what should have been was not
    ("wish", "I wish the app had been updated sooner.", {"the app": "negative"}),
    ("wish", "Wish the room had a kettle.", {"the room": "negative"}),
    ("wish", "I wish I had known about the app earlier.", {"the app": "neutral"}),
    # praise in a clause before the wish reports the present; a wish for more or better of a clue says the
    # present lacks it (session 16)
    ("wish", "I like the app, I do, I just wish they had more staff on the desk.",
     {"the app": "positive", "the desk": "negative"}),
    ("wish", "The staff were lovely, it would be nice if the queue was shorter.",
     {"staff": "positive", "queue": "negative"}),
    ("wish", "I wish the website was easier to use.", {"the website": "negative"}),
    ("wish", "It would be great to have the app in Welsh.", {"the app": "neutral"}),
    # discourse markers are no judgement: "to be honest" (VADER's "honest" +2.3), product names with "smart"
    ("marker", "To be honest, the food was awful.", {"the food": "negative"}),
    ("marker", "The smart meter, I mean, it's never worked, not once.", {"smart meter": "negative"}),
    ("marker", "The receptionist was a bit short with me.", {"the receptionist": "negative"}),
    ("marker", "Be prepared to wait, the queue goes on for ever.", {"queue": "negative"}),
    ("conditional", "If you want good food, go elsewhere.", {"the food": None}),
    # politeness formulas are not praise; genuine thanks are
    # (session 25: a bill that has doubled is a complaint, the cost group's value words; it was neutral)
    ("politeness", "I would appreciate it if someone could explain why the bill has doubled. Thanks in advance.",
     {"the bill": "negative"}),
    ("politeness", "Thanks so much to the agent who sorted it in ten minutes.", {"the agent": "positive"}),
    ("politeness", "Please help, the refund still hasn't arrived, third time asking.", {"the refund": "negative"}),
    # sarcasm: praise followed by a bad situation
    ("sarcasm", "Thanks for losing my bag.", {"my bag": "negative"}),
    ("sarcasm", "Great, the app is down again and nobody can tell me why.", {"the app": "negative"}),
    ("sarcasm", "Love spending my Saturday on hold because the portal crashed.", {"the portal": "negative"}),
    # rhetorical questions and questions
    ("question", "What's the point of an app that logs you out every minute? The app is useless.",
     {"the app": "negative"}),
    ("question", "Is the app any good?", {"the app": "neutral"}),
    # topic words that contain a negative word are not a judgement of the clue
    ("topic", "The fraud team answered in five minutes and the agent was calm and kind.",
     {"the agent": "positive"}),
    # done as promised
    ("implicit", "The agent took ownership of my problem and rang me back as promised.", {"the agent": "positive"}),
    # one clue, two feelings: the clause after the contrast goes on about it (no new subject)
    ("mixed", "The food was tasty but massively overpriced.", {"the food": "mixed"}),
    ("mixed", "The room was spacious, although it smelled of damp.", {"the room": "mixed"}),
    ("mixed", "The app is quick but the portal is hopeless.", {"the app": "positive", "the portal": "negative"}),
    # a wish for the future is no judgement; a wish against the facts says the present lacks it
    ("wish", "It would be good to get the app in Welsh.", {"the app": "neutral"}),
    ("wish", "I'd really like the website to be easy to use.", {"the website": "neutral"}),
    # irony markers and courtesy before a contrast
    ("sarcasm", "loving the app today \U0001F643", {"the app": "negative"}),
    ("politeness", "Many thanks for the refund, but it was the wrong amount.", {"the refund": "negative"}),
    # late service said with a number, and what used to work
    ("implicit", "It took six weeks to get the refund.", {"the refund": "negative"}),
    ("implicit", "I used to be able to pay with the app in two taps.", {"the app": "negative"}),
    # coordination after a contrast marker, and a coordinated pair against a third clue
    ("coordination", "The space is cool, but the food and service were awful.",
     {"the space": "positive", "the food": "negative", "service": "negative"}),
    ("coordination", "The owners and the employees are friendly and the food is awful.",
     {"the owners": "positive", "the employees": "positive", "the food": "negative"}),
    # a judgement of everything covers every clue; "everything else" sets the named clue apart
    ("universal", "Everything was excellent, the lounge opens at six, and the room faces the sea.",
     {"the lounge": "positive", "the room": "positive"}),
    ("universal", "We checked in at the desk, we sat in the lounge, and everything was superb.",
     {"the desk": "positive", "the lounge": "positive"}),
    ("universal", "The wifi was down but everything else about the room was lovely.",
     {"wifi": "negative", "the room": "positive"}),
    # the intention to come back
    ("implicit", "The nurse saw me at nine, we'll definitely be back.", {"the nurse": "positive"}),
    # a clause after "and" with no subject of its own goes on about the clause's subject
    ("continuation", "The receptionist took the booking and was really rude.",
     {"the receptionist": "negative", "the booking": "neutral"}),
    ("continuation", "We asked the agent about the refund and the app was broken.",
     {"the agent": "neutral", "the app": "negative"}),
    # a list shares its judgement, also for its last item before the full stop
    ("coordination", "We love the food, the seats, and the room!",
     {"the food": "positive", "the seats": "positive", "the room": "positive"}),
    ("coordination", "Great value for the food and service.", {"the food": "positive", "service": "positive"}),
    # "he"/"she" opening a clause refer to the sentence's first clue (its subject), not the nearest
    ("pronoun", "The waiter brought the food and he was really rude.", {"waiter": "negative", "the food": "neutral"}),
    ("pronoun", "I called the helpline about the bill and she was wonderful.",
     {"the helpline": "positive", "the bill": "neutral"}),
    ("pronoun", "The nurse took my blood pressure, she was so gentle.",
     {"the nurse": "positive", "my blood pressure": "neutral"}),
    # ... and only a clue that names a person can be "he" or "she" (rules.people); with none, no clue's
    ("pronoun", "I rang about my broadband and he was really rude.", {"my broadband": "neutral"}),
    ("pronoun", "I called about my bill and she was wonderful.", {"my bill": "neutral"}),
    ("pronoun", "We booked the room through the call centre and he was very helpful.",
     {"the room": "neutral", "the call centre": "positive"}),
    ("pronoun", "The lady at the desk checked my bag and she was lovely.",
     {"the lady": "positive", "my bag": "neutral"}),
    # what a person who is no clue went through still goes to the clue (only a judgement of the person does not)
    ("pronoun", "I set my mum up on the app and she couldn't find how to pay.", {"the app": "negative"}),
    # context-dependent value words: "high"/"low"/"long"/"small" judge by the attribute they describe
    ("attribute", "The fees were high.", {"the fees": "negative"}),
    ("attribute", "Really low fees and the agent was lovely.", {"fees": "positive", "the agent": "positive"}),
    ("attribute", "The queue was long and the staff were lovely.", {"queue": "negative", "staff": "positive"}),
    ("attribute", "The fees are not that high.", {"the fees": "positive"}),
    ("attribute", "The seats were small but the fees were low.", {"the seats": "negative", "the fees": "positive"}),
    ("attribute", "The room was large and the wifi was fast.", {"the room": "positive", "wifi": "positive"}),
    # absence: a missing amenity is a complaint, a missing burden praise; "no" as an answer is neither
    ("absence", "There was no wifi in the room and zero legroom.", {"wifi": "negative", "legroom": "negative"}),
    ("absence", "No queue and no hidden charges, and there were no fees.", {"queue": "positive", "fees": "positive"}),
    ("absence", "No, the staff were great.", {"staff": "positive"}),
    ("absence", "It is set back from the road and there is no traffic noise.", {"traffic noise": "positive"}),
    # ... and the other way round after an abundance marker; other people are no amenity
    ("absence", "Plenty of parking and the staff were lovely.", {"parking": "positive"}),
    ("absence", "There were plenty of fees on the bill.", {"fees": "negative"}),
    # a queue mentioned is no judgement of it; a long one is
    ("queue", "The app told me my position in the queue, which was actually helpful.",
     {"queue": "positive"}),
    ("queue", "She took me into a side room, away from the queue.", {"queue": "neutral"}),
    ("queue", "The queue took over an hour.", {"queue": "negative"}),
    ("queue", "Went in to pay a cheque and the queue was out the door.", {"queue": "negative"}),
    # an elliptical comparison takes the opposite of the praise before it
    ("less so", "The staff were amazing with our old dog, the bill less so.", {"staff": "positive", "the bill": "negative"}),
    # a failed action: a clue that does not do what it should is a complaint; a negated judgement is
    # VADER's negation, a negated state ("wasn't far") and verbs like "mind" are no failure
    ("failed action", "Our waiter didn't know the menu or the ingredients.", {"waiter": "negative"}),
    ("failed action", "The crew didn't once come round with water on a seven hour flight.", {"the crew": "negative"}),
    ("failed action", "The staff would not change a meal for my allergy.", {"staff": "negative"}),
    ("failed action", "The booking was never confirmed.", {"the booking": "negative"}),
    ("failed action", "The receptionist who didn't answer the phone had gone home.", {"the receptionist": "negative"}),
    ("failed action", "The staff didn't mind that we brought our own cake.", {"staff": "neutral"}),
    # ... also after a short phrase of place ("the staff at the branch didn't know")
    ("failed action", "The receptionist at the front desk didn't know the booking was paid.",
     {"the receptionist": "negative"}),
    ("failed action", "The lady on the helpline never called back.", {"the lady": "negative"}),
    ("failed action", "The room at the back wasn't far from the lift.", {"the room": "neutral"}),
    # ... also said of the clue after "but it" / "but they"
    ("failed action", "Thanks for the refund but it doesn't cover the fees.", {"the refund": "negative"}),
    # ... which is the clue's own, before a judgement nearer to it that belongs to another clause's subject
    ("failed action", "The receptionist was helpful when the portal wouldn't load.",
     {"the receptionist": "positive", "the portal": "negative"}),
    # ... also with the negation before the clue: an inverted "not once did", and "nobody at"/"none of"
    ("failed action", "Not once did the agent answer an email within a week.", {"the agent": "negative"}),
    ("failed action", "Never did the delivery arrive on the day we were given.", {"the delivery": "negative"}),
    ("failed action", "None of the staff knew where the lift was.", {"staff": "negative"}),
    ("failed action", "Nobody at the desk could tell me which gate to use.", {"the desk": "negative"}),
    ("failed action", "None of the staff minded the dog.", {"staff": "neutral"}),
    ("failed action", "The room wasn't far from the lift.", {"the room": "neutral"}),
    ("failed action", "The staff weren't rude at all.", {"staff": "positive"}),
    ("failed action", "I didn't know the app could do that.", {"the app": "neutral"}),
    # a relative clause right after a clue describes it
    ("relative clause", "The staff, who were actually helpful, made up for the cold room.", {"staff": "positive"}),
    ("relative clause", "I rang the helpline, which was useless, and then the app crashed.", {"the helpline": "negative"}),
    ("relative clause", "We booked through the website, whose checkout is a joke.", {"the website": "negative"}),
    # a negated comparative or sufficiency praises: "couldn't be happier", "can't recommend enough"
    ("negated superlative", "I can't recommend the staff enough.", {"staff": "positive"}),
    ("negated superlative", "The crew couldn't do enough for us.", {"the crew": "positive"}),
    ("negated superlative", "The room couldn't have been better, the wifi couldn't be worse.",
     {"the room": "positive", "wifi": "negative"}),
    # being made to wait, and service actions judged when not done
    ("implicit", "The hostess kept us waiting.", {"the hostess": "negative"}),
    ("implicit", "The room had not been cleaned.", {"the room": "negative"}),
    ("implicit", "We waited for 45 minutes at the desk.", {"the desk": "negative"}),
    # the customer blaming themselves judges no one at the organisation
    ("topic", "The booking was my mistake.", {"the booking": "neutral"}),
    # done without telling the customer: negation must not turn "warning" into praise
    ("negation", "They charged the fees without any warning.", {"the fees": "negative"}),
    ("negation", "I got the refund without any hassle.", {"the refund": "positive"}),
    # a condition against the facts says the praised thing was missing; an open condition is no judgement
    ("conditional", "Would have given five stars if the room had been clean.", {"the room": "negative"}),
    ("conditional", "If only the staff had been friendlier.", {"staff": "negative"}),
    ("conditional", "If the delivery arrives on Friday, I will be happy.", {"the delivery": None}),
    # an exception ("apart from", "except", "aside from", "other than") sets its clue apart from the
    # judgement of the rest: the clue takes the opposite orientation, weakened, as across "but"
    ("exception", "Apart from the queue, everything was perfect.", {"queue": "negative"}),
    ("exception", "Except for the room, the staff were lovely.", {"the room": "negative", "staff": "positive"}),
    ("exception", "Aside from the wifi, the room was great.", {"wifi": "negative", "the room": "positive"}),
    ("exception", "Apart from the food, everything was awful.", {"the food": "positive"}),
    ("exception", "Everything was perfect apart from the wifi.", {"wifi": "negative"}),
    ("exception", "Apart from the slow wifi, the room was great.", {"wifi": "negative", "the room": "positive"}),
    # a state that no longer holds: "used to be excellent" says the present is not; "didn't use to be
    # rude" that it is; "used to" meaning accustomed ("we are used to …") is no past state
    ("past state", "The service used to be excellent.", {"service": "negative"}),
    ("past state", "The staff didn't use to be rude.", {"staff": "negative"}),
    ("past state", "The app used to crash all the time but now it works perfectly.", {"the app": "positive"}),
    ("past state", "We are used to the staff being friendly.", {"staff": "positive"}),
    # a judgement whose object follows "with" is the clue's after it, not the next clause's
    ("with", "I've got no problem with the staff, it's the systems that are the problem.", {"staff": "positive"}),
    ("with", "Really disappointed with the service, the food was fine though.",
     {"service": "negative", "the food": "positive"}),
    ("with", "We were happy with the refund but the bill was wrong.", {"the refund": "positive", "the bill": "negative"}),
    # what a customer calls their complaint, and a lukewarm verdict
    ("complaint words", "My only gripe is the wifi.", {"wifi": "negative"}),
    ("complaint words", "My one niggle was the room.", {"the room": "negative"}),
    ("complaint words", "No gripes about the staff.", {"staff": "positive"}),
    ("complaint words", "The food was meh.", {"the food": "negative"}),
    ("complaint words", "Our waiter was nowhere to be found.", {"waiter": "negative"}),
    ("complaint words", "The hostess had the audacity to ask us to leave.", {"the hostess": "negative"}),
    ("complaint words", "The service was non-existant.", {"service": "negative"}),
    ("complaint words", "The room was tidy.", {"the room": "positive"}),
    ("complaint words", "The room was untidy and grubby.", {"the room": "negative"}),
    # everyday verdicts of other industries that VADER lacks (session 15)
    ("service verdicts", "The ward was unhygienic and the nurse was discourteous.",
     {"the ward": "negative", "the nurse": "negative"}),
    ("service verdicts", "The engineer was punctual and meticulous.", {"the engineer": "positive"}),
    ("service verdicts", "The fees were extortionate.", {"the fees": "negative"}),
    ("service verdicts", "The app is laggy and the website is unusable.", {"the app": "negative", "the website": "negative"}),
    ("service verdicts", "The lounge was shabby but the seats were comfy.", {"the lounge": "negative", "the seats": "positive"}),
    ("service verdicts", "The food arrived lukewarm.", {"the food": "negative"}),
    # a subject with a modifier: the judgement after the main verb is the subject's, not the modifier's clue's
    ("subject modifier", "The nurse who took my blood pressure was lovely.",
     {"the nurse": "positive", "my blood pressure": "neutral"}),
    ("subject modifier", "The lady, who answered the helpline, was very rude.", {"the lady": "negative"}),
    ("subject modifier", "The agent I spoke to about the refund was really helpful.",
     {"the agent": "positive", "the refund": "neutral"}),
    ("subject modifier", "The app that the staff recommended is useless.", {"the app": "negative"}),
    ("subject modifier", "The staff who were on duty were great.", {"staff": "positive"}),
    # advice to other customers that opens a sentence recommends; the same words inside a sentence do not
    ("recommendation", "Definitely try the lounge upstairs.", {"the lounge": "positive"}),
    ("recommendation", "The room was small. Stick with the food and you'll be fine.", {"the food": "positive"}),
    ("recommendation", "I had to try the app three times.", {"the app": "neutral"}),
    # a "when" clause is a clause of its own: the praise of the staff is not the room's
    ("opposite_pair", "The staff were lovely when the room was freezing.", {"staff": "positive", "the room": "negative"}),
    # session 21: the subject of a wish against the facts, and of a duty, lacks it today
    ("wish", "If only the app let you choose which account is shown first.", {"the app": "negative"}),
    ("wish", "I wish the staff knew what they were selling.", {"staff": "negative"}),
    ("wish", "It would be nice if the website remembered my login.", {"the website": "negative"}),
    ("wish", "It would be great if the lounge offered the fees upfront.", {"the lounge": "negative", "the fees": "neutral"}),
    ("wish", "I'd like to know if the app works offline.", {"the app": "neutral"}),
    ("wish", "The staff on the helpline should be trained.", {"staff": "negative"}),
    ("wish", "The website needs to show the fees.", {"the website": "negative", "the fees": "neutral"}),
    ("wish", "The staff should be proud of themselves.", {"staff": "neutral"}),
    ("failed action", "The staff ought to have warned us.", {"staff": "negative"}),
    ("failed action", "The agent should have rung on Monday.", {"the agent": "negative"}),
    # session 21: misspelt judgements, rising costs, accuracy
    ("misspelt", "The staff were impecible and the food magnificant.", {"staff": "positive", "the food": "positive"}),
    ("misspelt", "The food has been consistant for years and it never lets you down.", {"the food": "positive"}),
    ("implicit", "The fees crept up from 1.3% to nearly 1.9% with all the extras.", {"the fees": "negative"}),
    ("implicit", "I ended up paying seventy-five pounds in fees.", {"fees": "negative"}),
    ("plain", "The bill was accurate and the refund arrived in two days.", {"the bill": "positive"}),
    ("implicit", "We're thinking of switching to another bank because of the fees.", {"the fees": "negative"}),
    ("failed action", "The agent was unable to find the booking.", {"the agent": "negative", "the booking": "neutral"}),
    ("failed action", "The staff weren't able to help with my bill.", {"staff": "negative"}),
    ("implicit", "The engineer eventually turned up at four.", {"the engineer": "negative"}),
    ("implicit", "My complaint was finally sorted by the agent.", {"the agent": "positive"}),
    # session 21, the second blind sample: an instance of what the clause before judged
    ("instance", "The staff were lovely, especially the receptionist on nights.",
     {"staff": "positive", "the receptionist": "positive"}),
    ("instance", "The rooms were filthy, particularly the washroom.", {"washroom": "negative"}),
    ("instance", "The food was dull, especially for the fees they charge.", {"the fees": "neutral"}),
    ("wish", "I'd like the app to be smarter.", {"the app": "negative"}),
    ("wish", "It would be great if the app showed the fees too.", {"the app": "neutral"}),
    ("wish", "They should just refund it and say sorry.", {"refund": "negative"}),
    ("implicit", "The same message from the helpline over and over.", {"the helpline": "negative"}),
    ("implicit", "The refund came through, eventually.", {"the refund": "negative"}),
    # session 21: a person in apposition shares the feeling; "always works"; "security" judges nothing
    ("apposition", "I had the agent, the lady from Leeds, and she was excellent.",
     {"the agent": "positive", "the lady": "positive"}),
    ("apposition", "I spoke to the agent, the receptionist was rude.", {"the agent": "neutral", "the receptionist": "negative"}),
    ("implicit", "The app always works.", {"the app": "positive"}),
    ("implicit", "The queue at security took 50 minutes.", {"queue": "negative"}),
    ("implicit", "The bill keeps going to an old address despite us updating it twice.", {"the bill": "negative"}),
    ("implicit", "Despite the rain, the staff were lovely.", {"staff": "positive"}),
    ("implicit", "The queue was under 20 minutes.", {"queue": "positive"}),
    # session 21: asking why things are as they are questions them
    ("rhetorical_question", "Why does the app log me out every time?", {"the app": "negative"}),
    ("rhetorical_question", "So why is the lounge always shut on Sundays?", {"the lounge": "negative"}),
    ("rhetorical_question", "Is the app any good?", {"the app": "neutral"}),
    # session 21: a judgement left out and negated
    ("ellipsis", "The food was great, the staff weren't.", {"the food": "positive", "staff": "negative"}),
    ("ellipsis", "The food was awful, the staff weren't.", {"the food": "negative", "staff": "positive"}),
    ("ellipsis", "The room was clean - the washroom was not - and quiet.", {"washroom": "negative"}),
    ("ellipsis", "The staff were friendly, the app was not working.", {"the app": "negative"}),
    # session 21: a request that opens a sentence asks for what is missing; a feature request does not
    ("request", "Please put the seats back in the lounge.", {"the seats": "negative"}),
    ("request", "Stop sending the bill to my old address.", {"the bill": "negative"}),
    ("request", "Please add dark mode to the app.", {"the app": "neutral"}),
    ("request", "Give the lounge a try.", {"the lounge": "neutral"}),
    ("request", "Keep the lounge open please.", {"the lounge": "neutral"}),
    ("wish", "Wish the portal wasn't so complicated.", {"the portal": "negative"}),
    ("implicit", "We're going to another branch of the lounge tomorrow.", {"the lounge": "neutral"}),
    # the customer as the subject after a contrast, in a clause with no clue: it goes on about the clue before
    ("contrast", "I've got the app on my phone but I can never log in.", {"the app": "negative"}),
    ("contrast", "We booked the lounge but we were really disappointed.", {"the lounge": "negative"}),
    ("contrast", "I've got the app, but the staff were rude.", {"the app": "positive", "staff": "negative"}),
    ("contrast", "The staff were friendly though I found the room a little small and stuffy.",
     {"staff": "positive", "the room": "negative"}),
    # session 23: a verdict on the whole experience across a contrast judges everything, not the clue before
    ("overall", "The queue was long but overall we had a great night.", {"queue": "negative"}),
    ("overall", "Parking is a nightmare but on the whole I love this branch.", {"parking": "negative"}),
    ("overall", "The app keeps crashing, but otherwise it's a good bank.", {"the app": "negative"}),
    ("overall", "Service could be improved but overall this is a great place.", {"service": "negative"}),
    ("contrast", "The food was tasty but massively overpriced.", {"the food": "mixed"}),
    # session 23: flavour had or missing, charges kept out of sight
    ("lexicon", "The sauce was watery and the food didn't have much flavor.", {"the food": "negative"}),
    ("lexicon", "The food has flavor.", {"the food": "positive"}),
    ("lexicon", "The food was a little flavorless.", {"the food": "negative"}),
    ("lexicon", "The fees are hidden in a 40-page contract.", {"the fees": "negative"}),
    # session 24: the staff making one's week, food gone off, an intimate setting; a long wait written short,
    # glued, with a word between figure and unit, or said as a noun
    ("lexicon", "The staff make my week, honestly.", {"staff": "positive"}),
    ("lexicon", "I ordered the food and it was off flavor.", {"the food": "negative"}),
    ("lexicon", "The hostess was no where to be found all evening.", {"the hostess": "negative"}),  # session 27
    ("lexicon", "The fees are very inexpensive.", {"the fees": "positive"}),  # session 27
    ("lexicon", "The staff know me by name.", {"staff": "positive"}),
    ("lexicon", "The lounge is open late.", {"the lounge": "positive"}),
    ("lexicon", "The lounge is not open late enough.", {"the lounge": "negative"}),
    # session 24: a predicate list goes on about its subject after a comma
    ("continued", "The food is mostly made from scratch, fresh and well prepared.", {"the food": "positive"}),
    ("continued", "The staff were at the desk, unhelpful as usual.", {"staff": "negative"}),
    ("continued", "The food is served at the bar, great wifi.", {"the food": "neutral", "wifi": "positive"}),
    ("durations", "We waited 50 mins for the food.", {"the food": "negative"}),
    ("durations", "The refund takes three working days.", {"the refund": "negative"}),
    ("durations", "A 45 minute wait for the lounge.", {"the lounge": "negative"}),
    ("durations", "Been on hold 40mins with the helpline.", {"the helpline": "negative"}),
    # session 27: the clue that opens its sentence is its topic and takes the sentence's feeling when its own
    # clause has none (scope "sentence"); not in a subordinate clause, not across a contrast, not from praise
    # in a sentence that negates a verb, not when another clue opens a clause of its own with the judgement
    ("topic", "The agent asked a couple of questions and then put the refund through straight away.",
     {"the agent": "positive", "the refund": "positive"}),
    ("topic", "The agent asked a couple of questions and then put me through to the helpline, brilliant.",
     {"the agent": "positive"}),
    ("topic", "The agent read out the terms and I found out where the refund went, lovely.", {"the agent": "positive"}),
    ("topic", "The fees went out of my account and when I checked the app there was no explanation at all.",
     {"the fees": "negative"}),
    ("topic", "When the agent asked a couple of questions, he put the refund through straight away.",
     {"the agent": "neutral"}),
    ("topic", "If the agent asks a couple of questions, the refund goes through straight away.", {"the agent": "neutral"}),
    ("topic", "The agent asked a couple of questions and put the refund through straight away, but the fees were "
     "outrageous.", {"the agent": "neutral"}),
    ("topic", "The agent read out the terms and I never found out where the refund went, lovely.",
     {"the agent": "neutral"}),
    ("topic", "The agent asked a couple of questions and the refund was quick.", {"the agent": "neutral"}),
    # session 27: an expectation the speaker had and says no more of was not met; one met or beaten is no complaint
    ("expectation", "I expected better service from the staff for the price.", {"staff": "negative"}),
    ("expectation", "I just wanted someone on the helpline to take ownership.", {"the helpline": "negative"}),
    ("expectation", "I was expecting the refund within a week.", {"the refund": "negative"}),
    ("expectation", "I was hoping the app would let me change the date.", {"the app": "negative"}),
    ("expectation", "I expected the room to be clean, and it was spotless.", {"the room": "neutral"}),
    ("expectation", "The staff were better than I expected.", {"staff": "positive"}),
    ("expectation", "It was exactly what I expected, the staff were lovely.", {"staff": "positive"}),
    ("expectation", "I wanted to thank the staff for their help.", {"staff": "positive"}),
    # session 28: praise after "would have" and a participle is what did not come about; a complaint after it stays one
    ("counterfactual", "I would have liked a refund.", {"refund": "negative"}),
    ("counterfactual", "I would have appreciated an apology from the receptionist.", {"the receptionist": "negative"}),
    ("counterfactual", "I'd have been happy with a call back from the engineer.", {"the engineer": "negative"}),
    ("counterfactual", "The wait at the desk was longer than I would have liked.", {"the desk": "negative"}),
    ("counterfactual", "The room would have been better if it was cleaner.", {"the room": "negative"}),
    ("counterfactual", "The helpline would have been useless anyway.", {"the helpline": "negative"}),
    ("counterfactual", "I would have to say the staff were excellent.", {"staff": "positive"}),
    ("counterfactual", "I'd have dinner in the lounge again, great service.", {"service": "positive"}),
    ("counterfactual", "The staff couldn't have been more helpful.", {"staff": "positive"}),
    ("counterfactual", "I could have happily eaten the food all day.", {"the food": "positive"}),
]


COST_BOOK = textwrap.dedent("""\
    name: costs
    version: "1"
    description: a cost code that says an unjudged mention is a complaint, and one that does not
    codes:
      - id: fees
        label: Fees
        clue_type: functional
        unjudged: negative
        patterns:
          phrases: [fees, fee, charges, the price]
        examples: [The fees went up.]
      - id: bill
        label: Bill
        clue_type: functional
        patterns:
          phrases: [the bill]
        examples: [The bill was wrong.]
    """)


@pytest.mark.parametrize("text,expected", [
    # session 28: a cost named and not judged is one the customer bore (the code's ``unjudged: negative``)
    ("They took £75 in fees for a £40 overdraft.", {"fees": ("negative", "cost")}),
    ("There was a monthly fee and then the bill came.", {"fee": ("negative", "cost"), "the bill": ("neutral", "none")}),
    # the prior, not the crime sense of "charges" (VADER -1.1, which would read as the clause's): a reader says
    # neutral here, the known price of the prior
    ("The charges are listed on the website.", {"charges": ("negative", "cost")}),
    # judged, wished for or asked about: the rules' own feeling, not the prior
    ("The fees were explained clearly.", {"fees": ("positive", "clause")}),
    ("I'd like lower fees.", {"fees": ("negative", "clause")}),
    ("Are there any fees?", {"fees": ("neutral", "none")}),
    ("No fees at all!", {"fees": ("positive", "absence")}),
])
def test_clue_feelings_a_cost_named_without_a_judgement(tmp_path, text, expected):
    path = tmp_path / "costs.yml"
    path.write_text(COST_BOOK, encoding="utf-8")
    turns = pd.DataFrame({"doc_id": ["c1"], "turn_id": [0], "role": ["participant"], "text": [text]})
    tags = analyze(turns, [str(path)], model="blank").tags
    got = {r.evidence.lower(): (r.valence, r.feeling_from, r.confidence) for r in tags.itertuples()}
    for target, (valence, scope) in expected.items():
        assert target in got, (text, got)
        assert got[target][:2] == (valence, scope), (text, target, got[target])
        if scope == "cost":
            assert got[target][2] == 0.43


@pytest.mark.parametrize("phenomenon,text,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_clue_feelings_known_answers(book, phenomenon, text, expected):
    got = feelings(text, book)
    for target, valence in expected.items():
        if valence is None:
            assert target not in got or got[target][0] != "positive", (phenomenon, text, got)
            continue
        assert target in got, f"{target!r} not tagged in {text!r}: {got}"
        assert got[target][0] == valence, (phenomenon, text, target, got[target])


def test_clue_feelings_neutral_is_not_mixed(book):
    both = feelings("The staff were rude but also really helpful in the end, wonderful and awful at once.", book)
    plain = feelings("The staff gave me a leaflet.", book)
    assert plain["staff"][0] == "neutral"
    assert both["staff"][0] in ("mixed", "positive", "negative")
    mixed = feelings("The washroom was spotless, but smelled horrible.", book)
    assert mixed["washroom"][0] in ("mixed", "positive")  # praise and a complaint about the same clue


def test_clue_feelings_mixed_needs_both_feelings_outside_the_clue_words(book):
    got = feelings("The room was lovely and filthy.", book)
    assert got["the room"][0] == "mixed"


def test_clue_feelings_confidence_follows_where_the_feeling_came_from(book):
    own = feelings("The staff were lovely.", book)["staff"][2]
    # no feeling of its own: the staff take the opposite of the praise across "but" ("had no idea" is one since session 20)
    across = feelings("The app is great but then there's the staff.", book)["staff"][2]
    assert 0 < across < own <= 1


def test_clue_feelings_two_clues_in_one_sentence_can_differ(book):
    got = feelings("The nurse was gentle and patient but the receptionist was short with me.", book)
    assert got["the nurse"][0] == "positive"
    assert got["the receptionist"][0] == "negative"


def test_clue_feelings_hand_labelled_set_floor():
    """The project's customer-service set (tests/data/clue_feelings_cs.csv, labelled before the
    system was run): cxaudit's default path stays above a floor a few points below its measured
    accuracy (benchmarks/results/clue_feelings.json) and well above whole-sentence VADER."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_clue_feelings import own_set
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxaudit.clues.tagger import add_codebooks

    nlp = build_pipeline("blank")
    add_codebooks(nlp, ["carbone-clues", "touchpoints"])
    res = own_set(nlp, SentimentIntensityAnalyzer())
    three = res["3class"]
    assert three["cxaudit"]["n"] >= 300
    assert three["cxaudit"]["accuracy"] >= 0.60
    assert three["cxaudit"]["accuracy"] >= three["vader_sentence"]["accuracy"] + 0.15
    assert res["opposite_feelings"]["cxaudit"]["share_right"] >= 0.50


@pytest.mark.parametrize("name", ["clue_feelings_cs.csv", "clue_feelings_industries.csv",
                                  "clue_feelings_industries_heldout.csv", "clue_feelings_spoken.csv",
                                  "clue_feelings_spoken_heldout.csv", "clue_feelings_followup.csv",
                                  "clue_feelings_followup_heldout.csv", "clue_feelings_genres.csv",
                                  "clue_feelings_genres_heldout.csv", "clue_feelings_interviews.csv"])
def test_hand_labelled_sets_are_well_formed(name):
    """Every row of the project's labelled sets names a target that stands in its sentence, with a polarity the
    benchmarks know, under a unique id; the rows of one sentence share its text."""
    data = pd.read_csv(Path(__file__).resolve().parent / "data" / name, keep_default_na=False)
    assert {"item_id", "sentence_id", "text", "target", "polarity"} <= set(data.columns)
    assert data["item_id"].is_unique and len(data) >= 36
    assert set(data["polarity"]) <= {"positive", "negative", "neutral", "mixed"}
    assert all(t and t in text for t, text in zip(data["target"], data["text"]))
    assert (data.groupby("sentence_id")["text"].nunique() == 1).all()


#: Sentences of the bundled sample judged by hand (2026-12-03, reading each in its comment or
#: interview) as negative about the clue that was tagged in them.
SAMPLE_JUDGED_NEGATIVE = {
    "R0137#0.0",            # "…the whole mortgage process was stressful enough without the bank making it worse."
    "R0245#0.1",            # "Let down by the overdraft fee nonsense."
    "R0195#0.0",            # "Waited 40 minutes on hold only to be told I'd rung the wrong department and transferred."
    "R0071#0.2",            # "But the June update has made it worse, not better: …"
    "R0302#0.1",            # "Every hour on hold to Harbour is an hour I'm not working."
    "R0168#0.0",            # "Love the app, hate the fees." (the fees)
    "interviews/p03#19.5",  # "It's just the journey to get there was horrible."
    "interviews/p05#5.3",   # "It said the photo didn't match, or the lighting was bad."
    "interviews/p01#13.1",  # "The complaints form is a nightmare, by the way."
    "R0128#0.0",            # "😡😡😡 on hold for an hour" (judged 2026-12-03, session 9: the emoji now count)
    "interviews/p08#21.2",  # "…a night safe, … and they took that away last year, which was a real pain." (session 13)
}


@pytest.mark.slow
def test_clue_feelings_sample_most_negative_first_opens_with_complaints(sample_results):
    """The sample's evidence sorted "most negative first" (default lens, current experience,
    one row per sentence, by its most negative tag) opens with five sentences judged negative,
    and the praising comment R0096 ("…took ownership… rang me back the next day as promised…
    thank you", score 9) is not negative."""
    from cxaudit.store import read_table

    tags = read_table(sample_results, "tags")
    lens = tags[(tags["codebook"] == "carbone-clues") & (tags["mode"] == "current")]
    first = lens.groupby("sentence_id")["polarity"].min().sort_values(kind="stable").head(5)
    assert set(first.index) <= SAMPLE_JUDGED_NEGATIVE, first
    praise = tags[tags["sentence_id"].str.startswith("R0096#")]
    assert len(praise) and (praise["valence"] != "negative").all(), praise[["evidence", "polarity", "valence"]]


@pytest.mark.parametrize("text,sign", [
    ("I wish the staff were as cheerful as last year.", -1),  # against the facts: the present lacks it
    ("It would be nice if the portions matched the prices.", 0),  # a wish: no current compliment
    ("It would be great to get a text reminder.", 0),
    ("Keep up the good work!", 1),  # a wish that the present goes on is praise of the present
    ("If you love seafood, you would love this place!", 1),  # a recommendation
    ("The staff were lovely.", 1),
])
def test_sentence_score_of_a_wish_is_not_a_current_compliment(nlp, text, sign):
    scores = nlp(text)._.sent_sentiment
    assert len(scores) == 1
    got = 0 if abs(scores[0]) < 0.05 else (1 if scores[0] > 0 else -1)
    assert got == sign, (text, scores)


@pytest.mark.parametrize("text,signs", [
    ("Cancelled again. Great.", [-1, -1]),  # praise alone after a complaint is ironic
    ("Five star hotel, one star pillows. Love it.", [-1, -1]),
    ("The room was dirty. Staff lovely though.", [-1, 1]),  # a judgement of its own is not a formula
    ("The room was clean. Love it.", [1, 1]),  # after praise it is praise
])
def test_sentence_score_praise_formula_after_a_complaint_is_ironic(nlp, text, signs):
    got = [0 if abs(x) < 0.05 else (1 if x > 0 else -1) for x in nlp(text)._.sent_sentiment]
    assert got == signs, (text, got)


def test_clue_feelings_faint_words_around_a_self_judging_clue_do_not_decide():
    """'charged' (-0.3) beside the clue 'fair price': the clue's own judgement counts with it; a strong
    word around a clue still decides alone ('the fraud team was amazing')."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant",
                          "text": ["The plumber charged a fair price.", "The fraud team was amazing."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    price = tags[(tags["doc_id"] == "a") & (tags["code"] == "functional.price")]
    assert list(price["valence"]) == ["positive"], price
    assert set(tags.loc[tags["doc_id"] == "b", "valence"]) == {"positive"}


def test_clue_feelings_own_judgement_outweighs_fainter_words_before_it():
    """'greeted' (+) before 'a very rude' (a courtesy clue judging itself): its own, stronger word decides
    (session 16); a predicate after a clue still judges it, even when the clue's word has a valence of
    its own ('loyalty' +2.5 in VADER: 'loyalty is punished here' is a complaint)."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant",
                          "text": ["We were greeted by a very rude receptionist.", "Loyalty is punished here."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    rude = tags[(tags["doc_id"] == "a") & (tags["evidence"].str.lower().str.contains("rude"))]
    assert len(rude) and set(rude["valence"]) == {"negative"}, rude
    loyalty = tags[(tags["doc_id"] == "b") & (tags["evidence"].str.lower() == "loyalty")]
    assert len(loyalty) and set(loyalty["valence"]) == {"negative"}, loyalty


def test_clue_feelings_he_or_she_clause_whose_judgement_is_itself_a_clue():
    """'and she was very helpful': 'helpful' is a clue of the codebook too; it does not stop the
    pronoun's clause from judging the person before it (the sample's greeter was neutral)."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant", "text": [
        "There's a young woman who stands by the door with a tablet, and she's very helpful.",
        "The waiter took our order, and then he was really rude."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    staff = tags[tags["code"] == "humanic.staff"].set_index("doc_id")["valence"]
    assert staff["a"] == "positive" and staff["b"] == "negative", tags
    # the same for a clause with no subject of its own after "and"
    turns = pd.DataFrame({"doc_id": ["c"], "turn_id": 0, "role": "participant",
                          "text": ["The receptionist took the booking and was really rude."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    assert tags.loc[tags["code"] == "humanic.staff", "valence"].tolist() == ["negative"], tags


def test_clue_feelings_a_judgement_in_the_main_predicate_is_not_outweighed_by_the_modifier():
    """'The lady who answered the phone was very rude': the courtesy clue 'very rude' took the
    modifier's 'answered' (+0.8) over its own words and was praise; the person was neutral when
    the modifier held another clue ('the driver who dropped off the parcel was lovely')."""
    turns = pd.DataFrame({"doc_id": ["a", "b", "c"], "turn_id": 0, "role": "participant", "text": [
        "The lady who answered the phone was very rude.",
        "The man who came to fix the leak was polite and explained everything.",
        "The driver who dropped off the parcel was lovely."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    of = lambda doc, code: tags.loc[(tags["doc_id"] == doc) & (tags["code"] == code), "valence"].tolist()  # noqa: E731
    assert of("a", "humanic.courtesy") and set(of("a", "humanic.courtesy")) == {"negative"}, tags
    assert of("a", "humanic.staff") == ["negative"], tags
    assert of("b", "humanic.courtesy") == ["positive"] and of("b", "humanic.staff") == ["positive"], tags
    assert of("c", "humanic.staff") == ["positive"], tags
    assert of("c", "functional.delivery") == ["neutral"], tags


@pytest.mark.parametrize("text,expected", [
    ("The driver who dropped off the parcel was lovely.", ("driver", "who dropped off the parcel", "was lovely.")),
    ("The lady, who answered the phone, was very rude.", ("lady", "who answered the phone,", "was very rude.")),
    ("The man I dealt with was helpful.", ("man", "I dealt with", "was helpful.")),
    # the first "were" is the modifier's own verb ("who were on duty"), the second the main verb
    ("The staff who were on duty were great.", ("staff", "who were on duty", "were great.")),
    # a pronoun before the verb is its own subject; a comma inside starts a new clause; no noun phrase
    ("Staff we spoke to said it was fine.", None),
    ("The staff makes you feel at home, the food is great.", None),
    ("When we arrived the room was cold.", None),
    ("The app is great.", None),
])
def test_subject_predicate_shapes(nlp, text, expected):
    from cxaudit.nlp.subject_predicate import subject_predicate
    doc = nlp(text)
    found = subject_predicate(doc, 0, len(doc), sorted(doc._.clause_breaks[1]))
    if expected is None:
        assert found is None, found
        return
    h0, h1, m, v, pe = found
    assert (doc[h0:h1].text, doc[m:v].text, doc[v:pe].text) == expected


def test_clue_feelings_an_absent_clue_said_not_to_be_needed_is_a_burden_spared():
    """'no phone call needed' is praise of the phone touchpoint (the sample's 'Quick, clear, no phone
    call needed.' turned into a complaint when absence came before the sentence's praise); a missing
    amenity is still a complaint."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant",
                          "text": ["Quick, clear, no phone call needed.", "Lovely room but no wifi."]})
    tags = analyze(turns, ["carbone-clues", "touchpoints"], model="blank").tags
    of = lambda doc, code: tags.loc[(tags["doc_id"] == doc) & (tags["code"] == code), "valence"].tolist()  # noqa: E731
    assert of("a", "phone") == ["positive"], tags
    assert of("b", "functional.connectivity") == ["negative"], tags


def test_clue_feelings_failed_action_in_a_clause_of_its_own_and_not_in_a_condition():
    turns = pd.DataFrame({"doc_id": ["a", "b", "c"], "turn_id": 0, "role": "participant", "text": [
        "Sorted out a problem that the phone line couldn't fix in 3 weeks, in 20 minutes.",
        "And if an adviser can't make an appointment, someone should ring and rebook.",
        "The best dish is not listed on the menu."]})
    tags = analyze(turns, ["carbone-clues", "touchpoints"], model="blank").tags
    of = lambda doc, code: tags.loc[(tags["doc_id"] == doc) & (tags["code"] == code), "valence"].tolist()  # noqa: E731
    assert of("a", "phone") == ["negative"] and of("a", "functional.resolution") == ["positive"], tags
    assert of("b", "humanic.staff") == ["neutral"], tags  # a condition, not a failure


def test_clue_feelings_a_different_story_is_a_contrast_not_a_wrong_answer():
    """"X is a different story" contrasts X with what came before: no clue of staff knowledge, and the
    judgement after it is X's; a different story told by an agent still is one."""
    texts = {"a": "The website is fine but the app is a different story, it's just awful.",
             "b": "The second agent told me a different story."}
    turns = pd.DataFrame({"doc_id": list(texts), "turn_id": 0, "role": "participant", "text": list(texts.values())})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    of = lambda doc, code: tags.loc[(tags["doc_id"] == doc) & (tags["code"] == code), "valence"].tolist()  # noqa: E731
    assert of("a", "humanic.knowledge") == [], tags
    assert of("a", "mechanic.app") == ["negative"] and of("a", "mechanic.website") == ["positive"], tags
    assert len(of("b", "humanic.knowledge")) == 1, tags


def test_clue_feelings_negated_action_failure_and_what_happened_next():
    """A clue that is itself the action, negated before it, did not happen ("nobody ever calls back");
    a failure that did not happen is praise ("hasn't dropped out"); a negator before a noun clue is no
    failed action ("it's not the app"); "just to"/"only to" open what happened next, so a wait before
    it is not the next clue's."""
    texts = {
        "a": "Nobody ever calls back.",
        "b": "The consultant never returned my calls.",
        "c": "The broadband hasn't dropped out since the engineer came.",
        "d": "It's not the app, it's the bank.",
        "e": "They never rushed us.",
        "f": "On hold for 55 minutes just to be told to use the app.",
        "g": "The website went down twice.",
        "h": "The app is okay but it keeps crashing.",  # "keeps crashing" is a clue itself: still the app's
        "i": "The water was off for two days and nobody warned us.",  # not VADER's negated "warned" (praise)
    }
    turns = pd.DataFrame({"doc_id": list(texts), "turn_id": 0, "role": "participant", "text": list(texts.values())})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    of = lambda doc, code: tags.loc[(tags["doc_id"] == doc) & (tags["code"] == code), "valence"].tolist()  # noqa: E731
    assert of("a", "humanic.responsiveness") == ["negative"], tags
    assert of("b", "humanic.responsiveness") == ["negative"], tags
    assert of("c", "functional.connectivity") == ["positive"], tags
    assert of("d", "mechanic.app") == ["neutral"], tags
    assert set(of("e", "humanic.communication")) == {"positive"}, tags
    assert of("f", "mechanic.app") == ["neutral"] and set(of("f", "mechanic.phone-system")) == {"negative"}, tags
    assert set(of("g", "functional.reliability")) == {"negative"}, tags
    assert of("h", "mechanic.app") == ["negative"], tags
    assert of("i", "humanic.communication") == ["negative"], tags


# a clue named in one sentence and judged in the next ("follow" scope, cxaudit.nlp.follow_up)
FOLLOW_CASES = [
    ("I rang the helpline on Monday. Absolutely useless.", "the helpline", "negative"),
    ("The engineer came out the next morning. Which was great.", "the engineer", "positive"),
    ("I used the portal to pay. It took ages and kept crashing.", "the portal", "negative"),
    ("I phoned the call centre. They couldn't have been more helpful.", "the call centre", "positive"),
    ("The receptionist checked us in. So quick and friendly.", "the receptionist", "positive"),  # a self-judging clue
    ("I used the app. Dead simple.", "the app", "positive"),
    # guards: the next sentence is a closing thanks, a question, a wish, another clue's judgement; the clue's own
    # sentence judges already; a long sentence that does not refer back; praise after something missing
    ("I asked for a copy of the bill. Thanks.", "the bill", "neutral"),
    ("The staff are at the front. Do you know them?", "staff", "neutral"),
    ("We booked the room for Friday. I hope it is quiet.", "the room", "neutral"),
    ("I called the helpline. The woman I spoke to was lovely.", "the helpline", "neutral"),
    ("I called the helpline. The woman I spoke to was lovely.", "the woman", "positive"),
    ("The refund was slow. Brilliant otherwise.", "the refund", "negative"),
    ("I went to see the nurse on Tuesday. My daughter had a lovely birthday party that afternoon.", "the nurse",
     "neutral"),
    ("The delivery came with no instructions. Great start.", "the delivery", "neutral"),
    ("The delivery came with no instructions. Useless.", "the delivery", "negative"),
    # an echo of words the clue's sentence said without judging mocks them (echoic irony): no verdict
    ("The agent said you can do all of this on the app, you know, love. Love!", "the app", "neutral"),
    ("The agent told me the refund would take a week. Quick!", "the refund", "positive"),
    # "he"/"she" judges the person, not what the person brought
    ("The waiter brought the food. He was really rude.", "waiter", "negative"),
    ("The waiter brought the food. He was really rude.", "the food", "neutral"),
    ("I rang about my broadband. She was lovely.", "my broadband", "neutral"),
]


@pytest.mark.parametrize("text,target,expected", FOLLOW_CASES, ids=[f"follow-{i}" for i in range(len(FOLLOW_CASES))])
def test_clue_feelings_a_verdict_in_the_next_sentence(book, text, target, expected):
    got = feelings(text, book)
    assert target in got, f"{target!r} not tagged in {text!r}: {got}"
    assert got[target][0] == expected, (text, target, got[target])


def test_clue_feelings_a_verdict_in_the_next_sentence_has_its_own_confidence(book):
    from cxaudit.clues._rules import SCOPE_CONFIDENCE

    followed = feelings("I rang the helpline on Monday. Absolutely useless.", book)["the helpline"]
    own = feelings("The helpline was absolutely useless.", book)["the helpline"]
    assert followed[2] == SCOPE_CONFIDENCE["follow"] < own[2]
    assert followed[1] < 0


def _feeling_from(text: str, book) -> dict[str, str]:
    turns = pd.DataFrame({"doc_id": ["c1"], "turn_id": [0], "role": ["participant"], "text": [text]})
    tags = analyze(turns, [book], model="blank").tags
    return {r.evidence.lower(): r.feeling_from for r in tags.itertuples()}


@pytest.mark.parametrize("text,target,source", [
    ("I rang the helpline on Monday. Absolutely useless.", "the helpline", "follow"),
    ("The helpline was absolutely useless.", "the helpline", "clause"),
    ("Friendly staff but a filthy washroom.", "washroom", "clause"),
    ("We asked the waiter for the bill and the food was cold and inedible.", "waiter", "none"),
])
def test_clue_feelings_each_tag_says_where_its_feeling_was_read(book, text, target, source):
    """tags.feeling_from names the scope the feeling came from, so a reader (and the dashboard) can show the
    sentence a "follow" feeling was read in beside the quote."""
    assert _feeling_from(text, book)[target] == source


def test_feeling_sources_name_every_scope_the_rules_give():
    from cxaudit.clues._rules import SCOPE_CONFIDENCE
    from cxaudit.schemas import FEELING_SOURCES

    assert set(SCOPE_CONFIDENCE) <= set(FEELING_SOURCES)
    assert "model" in FEELING_SOURCES


def test_follow_up_a_clue_of_another_codebook_in_the_next_sentence_stops_it(book):
    """The verdict must name no clue of any codebook compiled into the pipeline: "The chatbot kept crashing."
    is about the chatbot (a touchpoint), not about the bill of the sentence before."""
    turns = pd.DataFrame({"doc_id": ["c1"], "turn_id": [0], "role": ["participant"],
                          "text": ["The bill came on Monday. The chatbot kept crashing."]})
    alone = analyze(turns, [book], model="blank").tags
    both = analyze(turns, [book, "touchpoints"], model="blank").tags
    bill = lambda tags: tags.loc[(tags["codebook"] == "targets") & (tags["evidence"] == "The bill"), "valence"].tolist()
    assert bill(alone) == ["negative"]  # with no clue in it, the sentence is a verdict
    assert bill(both) == ["neutral"]
    assert both.loc[both["evidence"] == "chatbot", "valence"].tolist() == ["negative"]


def test_follow_up_held_out_set_floor():
    """The held-out follow-up set (tests/data/clue_feelings_followup_heldout.csv, written before any run, its
    errors never read): the default path stays above a floor a few points below its measured 0.778
    (benchmarks/results/clue_feelings.json) and above VADER on the whole text (0.528); 0.25 before the rule."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_clue_feelings import FOLLOWUP_HELDOUT, own_set
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxaudit.clues.tagger import add_codebooks

    nlp = build_pipeline("blank")
    add_codebooks(nlp, ["carbone-clues", "touchpoints"])
    three = own_set(nlp, SentimentIntensityAnalyzer(), FOLLOWUP_HELDOUT, bias=False)["3class"]
    assert three["cxaudit"]["n"] == 36
    assert three["cxaudit"]["accuracy"] >= 0.70
    assert three["cxaudit"]["accuracy"] >= three["vader_sentence"]["accuracy"] + 0.15


def test_follow_up_needs_the_sentences_of_one_turn(book):
    """Two turns are two Docs: a verdict in the next turn (the interviewer's, or the next answer) does not
    reach back."""
    turns = pd.DataFrame({"doc_id": ["c1", "c1"], "turn_id": [0, 1], "role": ["participant", "participant"],
                          "text": ["I rang the helpline on Monday.", "Absolutely useless."]})
    tags = analyze(turns, [book], model="blank").tags
    assert tags.loc[tags["evidence"].str.lower() == "the helpline", "valence"].tolist() == ["neutral"]


def test_follow_up_unit(nlp):
    from cxaudit.nlp.clue_scope import ClauseScorer
    from cxaudit.nlp.follow_up import MAX_WORDS, follow_up

    def verdict(text, clue_words, next_clues=()):
        doc = nlp(text)
        lower = [t.lower_ for t in doc]
        i = lower.index(clue_words)
        clues = [(i, i + 1)] + [(lower.index(w), lower.index(w) + 1) for w in next_clues]
        return follow_up(ClauseScorer(doc), i, i + 1, clues)

    assert verdict("The parcel came on Thursday. Not impressed.", "parcel") < 0
    assert verdict("The parcel came on Thursday. Lovely.", "parcel") > 0
    assert verdict("The parcel came on Thursday.", "parcel") is None  # no next sentence
    assert verdict("The parcel came on Thursday. It was raining.", "parcel") is None  # no sentiment
    assert verdict("The parcel came on Thursday. The courier was lovely.", "parcel", ["courier"]) is None
    long_ = "The parcel came on Thursday. " + " ".join(["My neighbour"] + ["said"] * MAX_WORDS) + " it was lovely."
    assert verdict(long_, "parcel") is None
    referring = "The parcel came on Thursday. " + "And it was " + " ".join(["really"] * MAX_WORDS) + " lovely."
    assert verdict(referring, "parcel") > 0
    assert verdict("The parcel was awful. Lovely.", "parcel") is None  # its own sentence has sentiment


def test_clue_feelings_clue_said_with_a_self_judging_clue_shares_its_judgement():
    """'spicy and delicious': both are clues of carbone-clues, and only 'delicious' judges; 'spicy' is said
    in the same breath and shares it (it was neutral: found on the fourth blind sample). A judging clue
    further away, or one that is no partner in a list, lends nothing."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant", "text": [
        "The food was spicy and delicious.", "The food was spicy, and the staff were friendly."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    spicy = tags[tags["evidence"].str.lower() == "spicy"].set_index("doc_id")
    assert spicy.loc["a", "valence"] == "positive", tags
    assert spicy.loc["b", "valence"] != "positive", tags


def test_clue_feelings_comment_on_the_clause_before_judges_its_clue():
    """", which I thought was very thoughtless" comments on what was just said, not on its last noun: the
    chairs take the judgement of the self-judging clue "thoughtless"; a judgement that is no comment of that
    shape ("which was odd" set inside another clause) lends nothing."""
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": 0, "role": "participant", "text": [
        "They took the chairs away last year, which I thought was very thoughtless.",
        "They took the chairs away last year, and the staff, who were thoughtless, never said why."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    chairs = tags[tags["evidence"].str.lower() == "chairs"].set_index("doc_id")["valence"]
    assert chairs["a"] == "negative", tags
    assert chairs["b"] != "negative", tags


@pytest.mark.parametrize("text,valence", [
    ("The staff were so kind during a very difficult time.", "positive"),
    ("Thank you to the staff for their help at such a stressful time.", "positive"),
    ("Thank you to the staff, you made a horrible week a bit easier.", "positive"),
    # a hard time given by the provider, or being left in a bad situation, is still their doing
    ("The staff gave us a difficult time.", "negative"),
    ("The staff left us in a horrible situation.", "negative"),
])
def test_clue_feelings_the_customers_circumstances_judge_no_service(book, text, valence):
    """Thanks for help 'during a difficult time' were 'mixed': the customer's hard time is no judgement of the
    staff (cxaudit.nlp.circumstance)."""
    got = feelings(text, book)
    assert got["staff"][0] == valence, got


@pytest.mark.parametrize("text, evidence, valence", [
    # session 24: the provider's action a wish against the facts asks for, and the place of what it asks for,
    # are missing today (the sample audit's judged tags)
    ("And it would be great if they warned you before a fee.", "warned", "negative"),
    ("I wish they'd treated me like a customer they wanted to keep.", "treated me", "negative"),
    ("It would be great if you could see the redemption figure in the app.", "in the app", "negative"),
    # a new thing wished for, in a place, says nothing of the place; an open condition is no wish
    ("It would be great if they added a dark mode in the app.", "in the app", "neutral"),
    ("Would love to see a savings goal feature in the app one day.", "in the app", "neutral"),
    ("If they warned you before a fee, I'd be happy.", "warned", "neutral"),
    # session 26: so is anything else the wish asks the provider for, up to a comma (the sample's judged tags)
    ("I wish the app would show the fee and the exchange rate before you type anything in.", "fee", "negative"),
    ("I wish they'd warn you before they take a fee, like a message.", "fee", "negative"),
    ("If they could make the phone line and the billing feel like Janet does, they'd be brilliant.", "billing",
     "negative"),
    # ... and after a main clause that would be glad of it, whatever the tense after "if"
    ("It would be great if you told me a fee was coming BEFORE you took it, not after.", "fee", "negative"),
    ("It would be good if they offered a loyalty scheme.", "loyalty scheme", "neutral"),  # something new
    ("I'd recommend it if you like spicy food.", "food", "positive"),
    # ... and what "ideally" with a conditional asks for
    ("Ideally, they'd tell you what's happening while you wait, even just a text.", "wait", "negative"),
    ("Ideally the app is quick.", "the app", "neutral"),
    # ... and what "what I need is" wants
    ("What I need is for the bank to trust its own systems.", "trust", "negative"),
    ("For payments, what I need is tracking, like with a parcel.", "tracking", "negative"),
    ("What I love is the staff.", "the staff", "positive"),
    # ... not what a wish asks of the wisher, a likeness ("as if"), the reader's taste, or the next item
    ("I wish I had found this place sooner, the food is amazing.", "the food", "positive"),
    ("I wish we had ordered the dessert.", "dessert", "neutral"),
    ("I wish I had read the fees page before I signed.", "fees", "neutral"),
    ("The sushi was superb, the cut as if a master was behind the bar, and the service, just what you would "
     "expect.", "service", "neutral"),
    ("If you would like a table by the window, book early.", "by the window", "neutral"),
    # "ideally" opens a wish like "I wish": its subject with a conditional verb lacks it today
    ("Ideally the bot would just hand over to a person as soon as it doesn't understand.", "the bot", "negative"),
    ("Ideally the app is quick.", "the app", "neutral"),
    # session 24: a verdict on the money's worth after a contrast judges the price clue before it too
    ("It is expensive but well worth the money.", "expensive", "mixed"),
    # ... not a verdict on something else ("every bite": the food), not another clue's ("the food is worth it")
    ("The food is expensive, but worth every bite.", "expensive", "negative"),
    ("We had a long wait but once seated, the food is well worth it.", "a long wait", "negative"),

    # session 25 (the eighth blind sample): a plea that opens its sentence asks for what is missing today
    ("Just be honest about the wait.", "the wait", "negative"),
    ("Pick up the phone, fix it first time, call back when you say you will.", "call back", "negative"),
    # ... "to be honest" is a discourse marker, not a plea
    ("To be honest, the staff were lovely.", "the staff", "positive"),
    # the action of a duty reaches to the end of its clause; keeping what is there is no duty unmet
    ("They should just refund it straight away and say sorry.", "straight away", "negative"),
    ("They should tell you in the app the same day, not by letter.", "in the app", "negative"),
    # a clause after the wish has closed reports the present again ...
    ("The woman I spoke to, I wish I could remember her name, was so gentle.", "gentle", "positive"),
    # ... unless it goes on with the wish ("or"), or imagines or compares
    ("I'd like the bot to be smarter, or just let me get to a person quicker.", "quicker", "negative"),
    # being a victim, a real thing, more than enough
    ("So, I got scammed, in May.", "scammed", "negative"),
    ("It's clean and there are proper chairs.", "chairs", "positive"),
    ("On Wednesday nights the house wine is unlimited!", "wine", "positive"),
    # too little of it is a lack, like "no"; too little of a burden is praise
    ("There weren't a lot of choices.", "choices", "negative"),
    ("There are only a few tables.", "tables", "negative"),
    ("There is not enough staff at weekends.", "staff", "negative"),
    ("There wasn't much of a wait.", "wait", "positive"),
    ("There is not much choice.", "not much choice", "negative"),
    # a cost or a wait that rises is a complaint, one that falls praise
    ("Prices have gone up a lot since last year.", "prices", "negative"),
    ("Our payment went up by about three hundred pounds.", "payment", "negative"),
    ("The price increased by ten percent.", "the price", "negative"),
    ("The waiting times have doubled.", "waiting times", "negative"),
    ("Since the review the price came down.", "the price", "positive"),
    # a clue phrase that opens with its own marker says it is missing
    ("There was no signal in the village.", "no signal", "negative"),
    ("There was no wait.", "no wait", "positive"),
    ("No fees, no letters.", "no fees", "positive"),
    ("No one came over to take our order.", "no one came over", "negative"),
    # session 26: what should not have happened did; what one should not have to do one had to
    ("But it shouldn't have taken fifty minutes and forty pounds.", "pounds", "negative"),
    ("I shouldn't have to chase them for a refund.", "refund", "negative"),
    # a drawback named as such, a flaw, not knowing
    ("Only con was the cost, our dinner for two was $400!", "cost", "negative"),
    ("The only blemish was our waitress.", "waitress", "negative"),
    ("The waiter had no clue what we wanted.", "waiter", "negative"),
    ("The scam warning screen is just a wall of text.", "scam", "negative"),
    # the customer's effort counted in attempts, two or more
    ("It took four phone calls to get the refund.", "refund", "negative"),
    ("Redemption statement took three requests and three weeks.", "statement", "negative"),
    # what makes up for something is praised; a judgement shared before a wish reports the present
    ("It took a while to get our food - but the atmosphere made up for it.", "atmosphere", "positive"),
    ("The ambiance and service is great but I wish I could say the same about the food.", "ambiance", "positive"),
    ("My wife and I have not stopped raving about the food.", "the food", "positive"),
    # "not the worst" is faint criticism, not praise by the negation of "worst"
    ("The waiting wasn't the worst thing.", "waiting", "negative"),
    # "charges" names the fees, not a crime (VADER -1.1): judged by the words around it
    # session 28: named with no judgement, a cost reads as a complaint (carbone-clues' `unjudged: negative` on
    # functional.fees); a reader says neutral here: the prior's known price (docs/clues.md), kept visible
    ("The charges are listed on the website.", "charges", "negative"),
    ("Charges, no complaints, I've never been charged anything I didn't expect.", "charges", "positive"),
    ("There were hidden charges on my bill.", "hidden charges", "negative"),
    # the subject of a wish against the facts may have words naming its kind after the determiner
    ("Would be nice if the freeze card button was on the home screen rather than buried in settings.", "button",
     "negative"),
])
def test_clue_feelings_wishes_pleas_duties_and_amounts_on_the_carbone_codebook(text, evidence, valence):
    turns = pd.DataFrame({"doc_id": ["a"], "turn_id": 0, "role": "participant", "text": [text]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    got = tags.loc[tags["evidence"].str.lower() == evidence, "valence"].tolist()
    assert got == [valence], tags[["evidence", "code", "valence"]]


def test_clue_feelings_keeping_what_is_there_is_no_duty_unmet():
    turns = pd.DataFrame({"doc_id": ["a"], "turn_id": 0, "role": "participant",
                          "text": ["They should keep the friendly staff."]})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    assert set(tags["evidence"].str.lower()) == {"friendly", "staff"}
    assert "negative" not in set(tags["valence"]), tags[["evidence", "valence"]]
