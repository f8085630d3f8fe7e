"""Generate the three .docx interview transcripts of the Harbour Bank sample audit.

Run once from anywhere (the .docx files are committed):

    /work/main/.venv/bin/python data/sample/_make_docx.py

Each file uses a different layout, as real transcripts do:

* ``p10.docx``: one paragraph per turn, ``Speaker: text``; long answers continue in a
  second paragraph without a speaker name.
* ``p11.docx``: the speaker's name in **bold** at the start of the paragraph, then a tab,
  then the text (no colon); long answers continue in an unlabelled paragraph.
* ``p12.docx``: a title heading, then a two-column table (Speaker | Transcript) with a
  bold header row and one row per turn.

All names, people and events are fictional. The text, layout and document properties are
deterministic; only the zip container's internal timestamps change between runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from docx import Document
from docx.shared import Pt

HERE = Path(__file__).resolve().parent / "interviews"
CREATED = dt.datetime(2026, 9, 1, 9, 0, 0)
SPLIT_OVER_WORDS = 150  # answers longer than this are split into two paragraphs


def split_long(text: str) -> list[str]:
    """Split a long answer at the sentence boundary nearest its middle."""
    if len(text.split()) <= SPLIT_OVER_WORDS:
        return [text]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    half = len(text) / 2
    pos, best, best_i = 0, None, 1
    for i, sentence in enumerate(sentences[:-1], 1):
        pos += len(sentence) + 1
        if best is None or abs(pos - half) < best:
            best, best_i = abs(pos - half), i
    return [" ".join(sentences[:best_i]), " ".join(sentences[best_i:])]


def new_document(title: str) -> Document:
    """A blank document with fixed, fictional properties."""
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title = title
    props.author = "Harbour Bank CX research (fictional sample)"
    props.created = props.modified = CREATED
    props.last_modified_by = props.author
    props.revision = 1
    return doc


def save(doc: Document, name: str) -> None:
    """Save atomically: write a temp file beside the target, then rename it."""
    path = HERE / name
    tmp = path.with_name(path.name + ".tmp")
    doc.save(tmp)
    os.replace(tmp, path)


def make_colon_paragraphs(turns, name: str) -> None:
    """``Speaker: text`` paragraphs."""
    doc = new_document("Interview transcript")
    for speaker, text in turns:
        first, *rest = split_long(text)
        doc.add_paragraph(f"{speaker}: {first}")
        for more in rest:
            doc.add_paragraph(more)
    save(doc, name)


def make_bold_names(turns, name: str) -> None:
    """Bold speaker name, a tab, then the text, in one paragraph."""
    doc = new_document("Interview transcript")
    for speaker, text in turns:
        first, *rest = split_long(text)
        para = doc.add_paragraph()
        para.add_run(speaker).bold = True
        para.add_run("\t" + first)
        for more in rest:
            doc.add_paragraph(more)
    save(doc, name)


def make_table(turns, name: str, title: str) -> None:
    """A heading and a two-column Speaker | Transcript table."""
    doc = new_document(title)
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ("Speaker", "Transcript")):
        cell.paragraphs[0].add_run(label).bold = True
    for speaker, text in turns:
        row = table.add_row().cells
        row[0].text = speaker
        row[1].text = text
    save(doc, name)


def main() -> None:
    make_colon_paragraphs(TURNS_P10, "p10.docx")
    make_bold_names(TURNS_P11, "p11.docx")
    make_table(TURNS_P12, "p12.docx", "Harbour Bank experience audit: interview 12")


# --- transcripts (fictional) -------------------------------------------------------------

TURNS_P10 = [
    ("Interviewer", "Thanks for doing this, Ryan. Could you start by telling me a bit about yourself and why you chose Harbour?"),
    ("Ryan Murphy", "Yeah, sure. I'm nineteen, I'm an apprentice electrician, second year. When I started getting paid properly I needed a proper bank account, not the kids' one my mum set up. I looked on a comparison site and Harbour came up near the top for the app, and my mate Josh was with them and said it was decent. So I just went for it."),
    ("Interviewer", "Can you walk me through opening the account?"),
    ("Ryan Murphy", "It was dead easy. I did it on my phone on the bus. You put your details in, take a selfie, scan your driving licence, and that's it. It took like ten minutes. I had the account open before I got off the bus, and I could see my account number and everything straight away. The card came four days later, which is what they said. And the card looks nice, it's like a dark blue with the little lighthouse logo. It sounds stupid, but it felt like a proper grown-up card. [laughs]"),
    ("Interviewer", "Not stupid at all. What do you use the account for day to day?"),
    ("Ryan Murphy", "Everything, basically. My wages go in, I pay for stuff with my phone mostly, I've got it set up on my phone wallet. I've got savings goals in the app, one for a van eventually and one for a holiday. You can set a goal and it shows you a little progress bar, and you can set it to move a bit every payday automatically. I like that, it makes me feel like I'm actually sorting my life out. My mum can't believe I've saved anything. [laughs]"),
    ("Interviewer", "How do you feel about the app in general?"),
    ("Ryan Murphy", "I rate it. It's quick, it's clear, I always know what's in my account. Like, I feel in control of my money, which I never did before. The notifications are good, when you spend something it tells you straight away."),
    ("Interviewer", "Have you noticed any recent changes to the app?"),
    ("Ryan Murphy", "The update, yeah. I know a lot of people hate it, my mum hates it, but I actually kind of like it. It looks more modern, it's cleaner. The only thing is they moved the button for paying people into a menu, so it's one extra tap, and it took me a week to get used to it. And it logs me out too much now. If I switch to my messages to copy a code, it logs me out and I have to start again. That's annoying. But overall I'm fine with it."),
    ("Interviewer", "Has anything gone wrong with the account?"),
    ("Ryan Murphy", "Yeah. So, I got scammed, in May. I was trying to get tickets for a gig, it was sold out, and I found someone on a marketplace selling two tickets. We chatted, they seemed legit, they sent me a photo of the tickets, so I transferred two hundred and fifty quid by bank transfer. And then they blocked me. Obviously. [laughs] I felt so stupid. It was like half my savings at the time."),
    ("Interviewer", "That sounds really stressful. What did you do?"),
    ("Ryan Murphy", "I messaged the bank on the chat in the app that night. I was really embarrassed, I almost didn't, because I thought they'd say, well, that's your own fault. The bot asked a couple of questions and then put me straight through to a fraud person. And the woman was amazing. She didn't make me feel stupid at all. She said, this happens to loads of people, the scammers are really good at this, you did the right thing telling us straight away. She took all the details and she explained what would happen next. I felt a lot better after talking to her. Reassured, I guess."),
    ("Interviewer", "Did you get the money back?"),
    ("Ryan Murphy", "I did, in the end, but it took three weeks. They said they had to investigate and contact the other bank. During those three weeks I heard nothing, and I didn't know if I'd get anything back. I messaged twice to ask and both times they said it's still being investigated. Then one day it was just back in my account, with a message saying, we've refunded you under the reimbursement rules. I was so relieved."),
    ("Interviewer", "How did you feel during the three weeks?"),
    ("Ryan Murphy", "Anxious, a bit. Like, every morning I'd check the app to see if it had come back. It would have been good to have some kind of update, like, we've contacted the other bank, or, we're waiting for them to reply. Anything really."),
    ("Interviewer", "Did the bank say anything at the time you made the payment?"),
    ("Ryan Murphy", "There was a warning, to be fair. When I made the transfer, a screen popped up saying, could this be a scam, with a list of things. But it was a lot of text and I just clicked through it. I think if it had asked me a specific question, like, are you buying tickets from someone on social media, I would have stopped and thought about it."),
    ("Interviewer", "Have you ever phoned the bank or been into a branch?"),
    ("Ryan Murphy", "Never phoned them. I don't really do phone calls. I went into a branch once, to pay in a cheque my nan gave me for my birthday, because the app wouldn't take the photo of it. It kept crashing. The branch was fine, quite quiet, the woman was friendly and it took two minutes. But I don't really need the branch for anything else."),
    ("Interviewer", "What about fees, statements, that kind of thing?"),
    ("Ryan Murphy", "I haven't had any fees, I think. I don't have an overdraft. The only thing is when I took cash out at the machine in the corner shop by my house, it charged me one ninety-nine. That's not Harbour's machine, so that's not their fault really. But there's no Harbour cash machine near me, the nearest is in town."),
    ("Interviewer", "Imagine Harbour was perfect for someone like you. What would that look like?"),
    ("Ryan Murphy", "I'd like the scam warning to be more like a conversation, like, what are you paying for, and then it tells you if that's risky. That would actually stop people. And ideally fraud refunds would be quicker, or at least they'd keep you updated every few days. It would be great if the app showed your credit score too, because I want to get a van on finance eventually and I have no idea where I stand."),
    ("Interviewer", "Anything else?"),
    ("Ryan Murphy", "Fix the logging out thing. [laughs] And maybe a cash machine near me. But honestly I'm pretty happy. I'd give them an eight. It would be a nine but the scam thing took ages."),
    ("Interviewer", "Thanks so much, Ryan."),
    ("Ryan Murphy", "No worries, cheers."),
]

TURNS_P11 = [
    ("Moderator", "Thank you for agreeing to talk to us, Fatima. I know from your note that some of this might be difficult to talk about, so please just stop me if you need a break at any point."),
    ("Fatima Ali", "Thank you. It's fine. It's been over a year now, so I can talk about it."),
    ("Moderator", "Could you start by telling me about your relationship with Harbour?"),
    ("Fatima Ali", "So I've had my own current account with Harbour for about ten years, nothing very exciting, just everyday banking. And my dad banked with them all his life. When he passed away last spring, I was the executor of his will, so I had to deal with closing his accounts. That's mainly what I wanted to talk about, because it was really the first time I've had to rely on the bank for something that mattered."),
    ("Moderator", "Can you walk me through what happened when you first contacted the bank?"),
    ("Fatima Ali", "So the website has a page for bereavement, and there's a form you fill in online to tell them someone has died. That part was okay, it was quite clear, it told you what documents you'd need. I filled it in about a week after he died. And I got an email saying someone from the bereavement team would be in touch within five working days."),
    ("Moderator", "And were they?"),
    ("Fatima Ali", "No. After two weeks I hadn't heard anything. But in the meantime, letters kept arriving at his house addressed to him. Dear Mr Ali, your statement is ready. Dear Mr Ali, have you thought about our savings rates. Every time one came through the door, it was like a little punch. I'd told them he was dead. It felt like nobody had read the form."),
    ("Moderator", "How did that make you feel?"),
    ("Fatima Ali", "Honestly, hurt. And angry, I suppose, although there was nobody to be angry at. It felt like a machine. My dad was with them for fifty years and they couldn't stop a marketing letter."),
    ("Moderator", "What did you do next?"),
    ("Fatima Ali", "I rang the main number. I was on hold for about twenty-five minutes, and then I explained that my father had died and that I'd filled in the form. The man said, okay, can I speak to the account holder please. I just, I couldn't speak for a moment. I said, he's dead, that's why I'm calling. And he said, oh sorry, I'll transfer you. And then I had to explain it all again to the next person. I think in total over the next few weeks I had to say, my father has died, to maybe five or six different people on the phone. Each time it was like reopening it."),
    ("Moderator", "That sounds incredibly hard."),
    ("Fatima Ali", "It was. The people weren't unkind, mostly. It's just that nobody seemed to know what the last person had done, and nobody was responsible for it."),
    ("Moderator", "Did things change at any point?"),
    ("Fatima Ali", "Yes. In the end my husband said, just go to the branch. So I went into the Northgate branch with the death certificate and the will. And the woman at the front desk, as soon as I said why I was there, she took me into a little side room, away from the queue, and she got me a glass of water. She was so gentle. Her name was Mrs Okonjo. She took copies of everything, she said, you don't need to send these anywhere else, I'll make sure they go to the right team. And she gave me a card with her direct line and said, if you don't hear anything in a week, call me, not the main number."),
    ("Moderator", "How did you feel after that visit?"),
    ("Fatima Ali", "Like someone was finally on my side. Respected, and cared for, actually. I cried a bit in the car afterwards, but in a good way. She treated my dad like he was a person and not a case number."),
    ("Moderator", "And did the process go more smoothly after that?"),
    ("Fatima Ali", "Better, yes, but still slow. The bereavement team wrote to me about two weeks later. They froze the accounts, which was right. They paid the funeral director directly from Dad's account, which was a huge help, because the funeral was about four thousand pounds and I didn't have that lying around. That part worked really well, the funeral director got paid within a few days. But closing everything and releasing the money to the estate took four months in total."),
    ("Moderator", "What made it take so long?"),
    ("Fatima Ali", "I don't really know, which is the problem. There were long gaps where nothing happened and nobody told me anything. I called Mrs Okonjo twice and both times she chased it for me and rang me back the same day, which she didn't have to do. At one point they sent me a closing statement where the interest figure was wrong, it was about a hundred pounds less than it should have been, and my solicitor spotted it. They did correct it, but only after my solicitor wrote to them."),
    ("Moderator", "And the letters addressed to your father?"),
    ("Fatima Ali", "They stopped after about two months. Two months of letters. One of them was a pre-approved credit card offer. I still have it, actually. I kept it because I couldn't believe it."),
    ("Moderator", "Has this changed how you feel about your own banking with Harbour?"),
    ("Fatima Ali", "It's complicated. My own account is fine, the app is fine, I don't really have complaints about everyday stuff. I did think about moving, after all of that. But then I think of Mrs Okonjo and I think, well, that's the kind of person I want at my bank. So I stayed. But I don't feel the same loyalty my dad did. I feel like the good part was luck."),
    ("Moderator", "If you could tell the bank what the ideal bereavement experience looks like, what would you say?"),
    ("Fatima Ali", "What I need, what anyone needs at that point, is one person. One named person who has your case from the first day to the end. You tell the story once, and they handle it. I wish they would stop all letters to the person who died on the same day you tell them. That should be automatic, it's not hard. And the people on the main phone line should be trained, so that if someone says, I'm calling about a death, they know what to say, and they put you straight through to someone who knows what they're doing."),
    ("Moderator", "Anything else?"),
    ("Fatima Ali", "It would be great if they gave you a rough timeline at the start. Like, this will take about three months, here are the steps. And then told you when each step was done. The waiting wasn't the worst thing. Not knowing was the worst thing. And they should have a quiet room in every branch, like Mrs Okonjo had. That made all the difference."),
    ("Moderator", "Thank you, Fatima. I really appreciate you sharing this."),
    ("Fatima Ali", "Thank you for listening. I hope it helps the next person."),
]

TURNS_P12 = [
    ("Interviewer", "Good morning, George. Thanks for coming in. Could you tell me a little about yourself and how long you've banked with Harbour?"),
    ("George Whitaker", "Morning. Well, I'm sixty-eight, I'm a retired civil engineer, and I've been with Harbour, or whatever it was called before, for about forty years. Current account, two savings accounts, an ISA, and a credit card I mostly use for the points. My wife and I have a joint account for the household bills as well."),
    ("Interviewer", "How do you usually deal with the bank?"),
    ("George Whitaker", "A mixture. I use the website on the computer for most things, I'm quite comfortable with that. I've got the app on my phone but I find the screen a bit small for anything complicated. I go into the branch in town if there's something I want to talk through with a person, maybe every couple of months. And I use the cash machine at the supermarket every week, because my wife likes to have cash for the market."),
    ("Interviewer", "Can you walk me through a time recently when something went well, or badly?"),
    ("George Whitaker", "Badly first, I suppose. [laughs] In February I took out two hundred pounds from the cash machine at the supermarket, the Harbour one by the entrance. It made all the right noises and gave me a hundred and sixty. Two twenties short. And the receipt said two hundred. I checked it twice standing there."),
    ("Interviewer", "What did you do?"),
    ("George Whitaker", "I went straight to the customer service desk in the supermarket, and they said, it's not our machine, you'll have to ring the bank. So I rang the bank from the car park. And first you get the voice thing, the computer that says, tell me in a few words why you're calling. I said, cash machine problem. It said, sorry, I didn't catch that. I said it again. It said, did you say card problem. [laughs] By the fourth go I was shouting cash machine at my phone in a supermarket car park. People were looking at me."),
    ("Interviewer", "How did that feel?"),
    ("George Whitaker", "Ridiculous. I'm an engineer, I appreciate good technology, and that is not good technology. My Yorkshire accent isn't that strong. Eventually I got a person, after about twenty minutes on hold. She was very nice, she took the details, she said they'd check the machine when it was next balanced and the money would be refunded if there was an excess. Then I had to fill in a dispute form they posted to me, and send it back. It took six weeks to get my forty pounds back. Six weeks, for something that the machine itself must have recorded."),
    ("Interviewer", "Did anyone keep you updated during those six weeks?"),
    ("George Whitaker", "No. I rang once, after four weeks, and was told it's still with the team. Then the money just appeared, with a reference I didn't recognise. No letter, nothing. I only knew what it was because I'd been looking for it. I do feel they could have said sorry at some point."),
    ("Interviewer", "And something that went well?"),
    ("George Whitaker", "Yes, the scam call. This was in April. I got a phone call from someone saying they were from Harbour Bank's fraud department. Very convincing. They knew my name, they knew I had a Harbour account, and they said there were suspicious payments and I needed to move my savings into a safe account. Well, I've read about these, so I said I'd call them back, and I hung up and rang the number on my card from a different phone."),
    ("Interviewer", "What happened when you rang the bank?"),
    ("George Whitaker", "That was excellent. The fraud team answered in under five minutes, and the chap was very calm, very clear. He confirmed it wasn't them, he said the bank would never ask you to move money to a safe account, and he checked my accounts with me and put a note on them. He thanked me for calling, he said I'd done exactly the right thing. I felt reassured, and frankly quite pleased with myself. [laughs] He also told me how to report the number, which I did."),
    ("Interviewer", "You mentioned the branch. What's that like?"),
    ("George Whitaker", "They refurbished it last year. It's very smart now, lots of white and glass, screens on the walls with adverts. But I find it confusing. There's no counter where you'd expect one. There are signs, but they say things like Explore and Connect, and I didn't know what I was supposed to connect to. [laughs] There's a young woman who stands by the door with a tablet, I think they call her the greeter, and she's very helpful, she asks what you need and points you to the right place. But I shouldn't need a guide to find the cashier in my own bank. And it's much noisier than it was, with the screens and the open plan. You can hear everyone's business."),
    ("Interviewer", "How about the staff in the branch, when you get to them?"),
    ("George Whitaker", "Very good. Knowledgeable. When I moved my ISA from another provider last year, I did it in the branch with a young man who was very thorough, he explained the options clearly, never pushed anything on me. The transfer itself took six weeks, which seemed slow, but he rang me when it was done, which he'd promised to do. I appreciated that. He did what he said he'd do, and that's rarer than it should be."),
    ("Interviewer", "What about the website, since you use it a lot?"),
    ("George Whitaker", "It's adequate. It works. The layout is a bit busy, too many boxes advertising things, and the security is fiddly, you need the card reader for new payees, which I understand but it's a palaver. I do like that you can download statements as a spreadsheet. That's useful for my records. I keep all our finances in a spreadsheet, I'm afraid, old habits."),
    ("Interviewer", "And interest rates, charges?"),
    ("George Whitaker", "The savings rates are poor compared with the newer banks. I've moved some of our savings elsewhere for that reason. I don't think they care much about savers who've been with them a long time. Charges, no complaints, I've never been charged anything I didn't expect."),
    ("Interviewer", "If you could design Harbour the way you'd like it, what would that look like?"),
    ("George Whitaker", "I'd like to be able to speak to a person when I ring, without arguing with a computer first. It would be great if there were simply a number for existing customers over sixty-five. And when something is their fault, like the cash machine, they should just refund it straight away and say sorry, not make me fill in a form. Ideally, they'd tell you what's happening while you wait, even just a text."),
    ("Interviewer", "Anything about the branch?"),
    ("George Whitaker", "Put a proper sign up that says Cashier, in big letters. [laughs] And a quieter corner for private conversations. And I wish they would pay existing savers the same rates they offer to new ones. Loyalty ought to be rewarded, not penalised."),
    ("Interviewer", "Overall, how do you feel about Harbour today?"),
    ("George Whitaker", "On balance, fairly positive. The people are good, the fraud side is very good, I feel my money is safe. It's the systems that let them down, the phone computer, the slow refunds. I'd give them a seven. I'm not planning to leave, but they've lost some of our savings already."),
    ("Interviewer", "Thank you very much, George."),
    ("George Whitaker", "My pleasure. And if you speak to whoever designed that phone computer, tell them to come to Yorkshire. [laughs]"),
]


if __name__ == "__main__":
    main()
