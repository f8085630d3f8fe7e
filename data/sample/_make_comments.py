"""Generate ``comments.csv``, the survey comments of the Harbour Bank sample audit.

Run once (the CSV is committed; the seed makes the output identical on every run):

    /work/main/.venv/bin/python data/sample/_make_comments.py

Every comment text in ``POOL`` was written by hand (fictional, like everything in the
sample). Each pool line is ``channel|band|segment|text``:

* ``band`` sets the NPS drawn for the comment, so scores follow the content:
  ``P`` promoter (9–10), ``N`` passive or mixed (mostly 7–8), ``D`` detractor (mostly 4–6),
  ``X`` angry detractor (mostly 0–2);
* ``segment`` is ``-`` when the text does not imply one (a segment is then drawn);
* ``\\n`` in a text stands for a line break inside the comment.

``TEMPLATES`` add near-duplicate comments with slots, as real surveys repeat themselves.
Dates fall inside the comment's wave (2026-Q2: April–June, 2026-Q3: July–September);
about a quarter of the comments are in 2026-Q2.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "comments.csv"
SEED = 20260901
N_TEMPLATED = 95
SHARE_Q2 = 0.25
COLUMNS = ["response_id", "comment", "nps", "segment", "channel", "date", "wave"]
SEGMENTS = {"Everyday banking": 0.5, "Student": 0.15, "Small business": 0.15,
            "Mortgage": 0.1, "Later life": 0.1}
WAVES = {"2026-Q2": (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
         "2026-Q3": (dt.date(2026, 7, 1), dt.date(2026, 9, 30))}

# channel|band|segment|text, one comment per line (all written by hand, all fictional).
POOL = r"""
app|P|-|great app
app|P|-|Great app, does everything I need.
app|P|-|love the app. quick to log in and I can see everything at a glance
app|P|Student|The round-ups into savings are genius, saved £200 without noticing 👍
app|P|-|Really easy to use app, notifications come through instantly when I pay for something. Makes me feel in control of my money.
app|P|-|Face ID login is quick and the spending categories are brilliant for budgeting.
app|P|-|Froze my card in the app when I thought I'd lost it, found it an hour later and unfroze it. So simple. Exactly what you want from a bank.
app|P|Small business|Being able to approve payments from the business app has saved me so many trips back to the office. Brilliant.
app|P|-|Savings goals feature is fab, I've finally got a holiday fund going
app|N|-|App is good but the new update moved everything around. Took me ages to find how to pay someone.
app|N|-|Mostly fine. The new layout is a bit confusing, why is paying someone under "Move money"??
app|N|-|staff lovely but the app keeps logging me out
app|N|-|I like the app but it logs me out every time I switch to another app to copy a code. Very annoying when you're trying to pay a bill.
app|N|-|App works well most of the time. Would be nice if the freeze card button was on the home screen rather than buried in settings.
app|N|Student|decent app, would be nice if it showed my credit score like some other banks do
app|N|-|The app is fine for everyday stuff but anything unusual and you're stuck.
app|N|-|New design looks nicer but it's slower to open and the text is very faint in dark mode
app|D|-|The update is awful. I used to be able to pay people in two taps and now it's five. Who asked for this?
app|D|-|Cheque deposit in the app crashes every single time. Had to go into a branch, which defeats the point.
app|D|-|App crashed halfway through a transfer and I had no idea whether the money had gone or not. Had to ring up to check. Not reassuring.
app|D|-|Since the latest update I can't find anything. My dad has given up with it completely and is back to phoning, which takes forever.
app|D|-|The international payment screen only shows the fee and the exchange rate at the very end. Feels sneaky.
app|X|-|APP HAS BEEN DOWN ALL MORNING AND I CAN'T PAY MY RENT. SORT IT OUT.
app|X|-|Third time this month the app won't let me log in. Keeps saying "something went wrong". Yes, clearly.
app|X|-|oh great, another update that makes everything harder. well done harbour
app|D|-|why did you move the card controls?? lost my card on a night out and couldn't find the freeze button for 5 mins, properly panicked
app|N|-|app good. chatbot useless.
app|P|-|Honestly the best banking app I've used. Switched from my old bank just for this.
app|P|Later life|My granddaughter set up the app for me and I'm surprised how easy it is. I can check my pension has gone in without ringing anyone.
app|N|-|Fine. Nothing special.
app|D|Small business|Business app doesn't let you upload a payroll file, you have to use the website on a PC. It's 2026.
app|P|-|Instant notifications, easy transfers, clear statements. No complaints at all.
app|N|-|Good app overall but I wish I could choose to keep the old layout. Change for the sake of change.
app|D|-|Scam warning screen is just a wall of text, nobody reads it. Ask a proper question instead.
app|P|-|Spending breakdown shows me how much I spend on takeaways. Horrifying but useful 😂
web|N|-|Website does the job but it looks like it was built in 2010.
web|D|-|Couldn't find my statements anywhere on the website. Turns out they're under "Documents". Why not call them statements?
web|D|Later life|The writing on the website is tiny and grey. I have to zoom in to read anything. Please think about older customers.
web|X|-|Complaints form timed out and I lost everything I had written. Twice. Gave up and rang instead (40 min wait).
web|D|Small business|Setting up a new payee on the business website takes six screens and the card reader every time, even for suppliers I've paid twenty times.
web|N|-|the website is ok, a bit cluttered with adverts for credit cards I don't want
web|P|-|Downloading statements as a spreadsheet is really handy for my records.
web|N|Mortgage|Mortgage tracker on the website said "in progress" for five weeks then jumped to "offer issued". Pretty pointless.
web|D|-|Tried to update my address online, it said done, and the letters still go to my old flat. Three months later.
web|P|-|Applied for a loan on the website and had the money the next day. Clear and quick, no fuss.
web|N|-|Website is fine but the login process with the card reader is a palaver
web|D|-|The help pages just go round in circles. Every link ends up at "contact us" and contact us is a phone number with a 45 minute wait.
web|P|Mortgage|Mortgage in principle online took 15 minutes and we had an answer that evening. Really smooth.
web|N|-|Would be great if the website remembered my preferences. I turn off marketing emails every time and they keep coming.
web|D|-|Was charged for a 'paper statement' even though I opted for paperless on the website months ago.
branch|P|-|Staff at my local branch are always friendly and helpful. They know me by name.
branch|P|-|Janet at Eastgate branch is a credit to the bank. Sorted out a problem that the phone line couldn't fix in 3 weeks, in 20 minutes.
branch|P|Later life|The young man in the branch is ever so patient with me. I always feel welcome there.
branch|P|-|Went in to sort out my late mother's account. The lady took me into a quiet room and was so kind. Thank you.
branch|P|-|Excellent service in branch today. Knowledgeable, friendly, didn't try to sell me anything.
branch|P|Student|The guy at the Quay Street branch explained my overdraft properly, which nobody else had bothered to do. Left feeling confident.
branch|P|-|Branch staff always go above and beyond. Wish the rest of the bank was like them.
branch|P|Small business|Business counter staff really know their stuff and never talk down to you.
branch|N|-|Staff are lovely but the queue on a Saturday is ridiculous. Two counters open and 15 people waiting.
branch|N|Later life|They took the chairs away in the Harbour Street branch. Where are older people supposed to sit while they wait?
branch|N|-|Refurbished branch looks smart but I couldn't find the cashier. Signs say "Explore" and "Connect". Connect to what?
branch|N|-|Nice staff, noisy branch. Everyone can hear your business with the open plan and the TV screens.
branch|D|-|You closed my local branch and now the nearest one is 25 minutes' drive. Not everyone can do everything on an app.
branch|D|Small business|Branch shuts at 4. I'm a tradesperson, I'm on a job till 4. Might as well not exist.
branch|X|-|Closed the Milford branch with 6 weeks notice. Disgraceful way to treat people who've banked with you for 40 years.
branch|D|Small business|Removing the night safe has made life really difficult for us. Now I have to queue at lunchtime with the cafe's takings.
branch|P|-|Paying-in machine at the branch was quick and easy, and a member of staff came over to help the first time.
branch|N|-|Branch fine, paying in machine broken again
branch|P|Mortgage|Our mortgage adviser Daniel at Northgate was fantastic. Patient, clear, never made us feel silly. 10/10 for him.
branch|P|-|Lovely clean branch, staff smiled, in and out in five minutes. What more could you want.
branch|D|-|Waited 25 minutes to see someone and then was told I needed an appointment. Could have told me that when I walked in.
branch|N|-|The greeter at the door was helpful but why do I need a guide to pay in a cheque?
branch|P|-|Staff were fantastic when my card got stuck in the ATM outside. Came out and sorted it on the spot.
phone|X|-|ON HOLD FOR 55 MINUTES. FIFTY FIVE. Then cut off.
phone|X|-|Been transferred 4 times, explained my problem 4 times and still no answer. Absolutely useless.
phone|D|-|Waited 40 minutes on hold only to be told I'd rung the wrong department and transferred. Then another 20 minutes.
phone|D|-|The hold music is the same 30 seconds on a loop. By minute 35 you start to lose the will to live.
phone|D|-|Promised a call back within 48 hours. Never came. Rang again, no record of my previous call.
phone|X|-|nobody ever calls back when they say they will. I've given up
phone|D|-|The voice recognition never understands what I say. "Did you say card problem?" No. I said cash machine.
phone|D|Later life|Too many options on the phone menu. By the time you get to option 6 you've forgotten option 1. I just want to speak to a person.
phone|D|-|Call centre staff were polite but nobody could actually fix anything. Everyone said "that's another department".
phone|N|-|The person I eventually spoke to was great, knew exactly what to do. Shame it took 35 minutes to reach her.
phone|P|-|Fraud team were brilliant. Answered in 5 minutes, calm, clear, and sorted my card straight away. Felt very reassured.
phone|P|-|Phoned about a scam call pretending to be Harbour. The adviser was calm, thanked me for checking and put a note on my account. Excellent.
phone|D|-|Rang from abroad when my card was blocked. 50 minutes on hold on an international number cost me £40.
phone|X|-|Told me on the phone "you can do all this on the app, love". I don't have the app and I'm not your love.
phone|D|Student|Guy on the phone was really patronising, kept telling me to stay within my limit like I'm 12. I was calling because YOU charged me twice.
phone|D|Small business|Business line and merchant services line keep passing me between each other. One number please!
phone|N|-|Phone line slow as always but the lady who answered was lovely and sorted it.
phone|P|-|Spoke to a chap called Aaron who took ownership of my problem and rang me back the next day as promised. Rare these days, thank you.
phone|D|-|why can't you offer a call back option instead of making people sit on hold for an hour
phone|X|-|I have had to call THREE TIMES about the same direct debit. Each time someone new, each time start from scratch. I feel completely ignored.
phone|D|-|The first person said it's a billing issue and put me through to fees. Fees said it's overdraft, put me through to someone else. Went round in circles for an hour.
phone|P|Later life|The bereavement team were so kind when my husband died. The lady gave me her direct number and always rang back. I felt looked after.
phone|D|-|Tried to call about a payment I didn't recognise. 30 minute wait. If it was actual fraud the money would be long gone.
phone|N|-|Phone staff are nice enough but they all seem to be reading from a script.
chat|D|-|Chatbot is useless. It kept sending me the same article about setting up a payee. I asked about a missing international payment.
chat|N|-|Chat took a while but the human agent was really helpful and gave me a tracking reference.
chat|P|-|Used the chat in the app at 11pm, got a real person in 5 minutes who sorted it. Great service.
chat|D|Student|Chat person said she couldn't refund fees on chat and I'd have to ring. Why have a chat then?
chat|P|-|Reported a scam on the chat and the fraud person was amazing, didn't make me feel stupid at all
chat|N|-|Bot went round in a loop three times before offering a human. Human was great though.
chat|D|-|Chat says "typical wait 5 minutes" and then it's 40. Just be honest about the wait.
chat|P|-|the chat lady was so patient with me, explained everything, 10/10
chat|D|-|Had to type everything out again to the human because they couldn't see what I'd told the bot.
chat|N|Small business|Chat is OK for simple questions but anything to do with the card machine and they tell you to phone.
chat|X|-|Asked the chatbot to speak to a person. It said "I can help with that!" and sent me a link to the FAQ. Infuriating.
chat|P|-|Quick response on chat and the problem was fixed the same day. Well done.
email|D|-|Sent an email complaint, got an automatic reply saying they'd respond within 8 weeks. 8 WEEKS for an obvious mistake.
email|N|-|Email replies are slow, usually a week, but they do answer the question properly.
email|D|-|Your marketing emails arrive daily but when I email about an actual problem nobody replies.
email|P|-|Complaint was handled really well. Clear letter, proper apology, and £50 for the trouble. I felt they actually listened.
email|D|-|Got an email saying my complaint was closed. I never heard anything. Closed how?
email|X|-|You sent marketing letters to my dad for two months after I told you he had died. One was a pre-approved credit card. Heartless.
email|N|-|Fine.
email|D|-|emails always come from a no-reply address so you can't even respond to them
email|P|-|I emailed my mortgage adviser directly and he replied the same day and chased everything for me. Thank you Daniel.
email|N|-|Statements by email are convenient. Wish the PDF password wasn't so complicated though.
branch|D|-|Charged twice for the same overdraft fee. Had to go into branch to get it refunded because the phone line were useless.
app|X|-|Wrong fee AGAIN. This is the third time this year. How hard is it to get a bill right?
app|D|-|Charged £25 unarranged overdraft fee twice on the same day. Refunded eventually but only after I chased it for two weeks.
web|X|Small business|Charged £112 for cash handling. We don't handle cash. Took 5 weeks and 4 phone calls to get it back.
app|D|-|oh great, another fee
app|D|-|Monthly account fee went up and the only notice was one line in a letter that looked like an advert.
web|D|Small business|Card machine fees crept up from 1.3% to nearly 1.9% with all the extras. Nobody told me about half of them.
app|D|Student|Got charged an overdraft fee for going over by £4, then charged AGAIN the next month when I was back under the limit. No warning either time.
email|D|-|Final statement for my closed account had a £5 monthly fee on it, charged after I'd closed it. Then a letter saying I was overdrawn. Amazing.
app|D|-|Interest rate on my credit card went up and I only found out from my statement. A heads up would have been nice.
app|N|-|Fees are clear enough once you find them. It's finding them that's the problem.
web|D|-|The statement just says "CHG 0043" with no explanation. What am I being charged for?
phone|X|-|They took £75 in fees for a £40 overdraft that lasted one night. One fee was literally duplicated. Refunded only after I complained. Shameful.
app|D|-|I don't trust the charges anymore. Now I check the app three or four times a day when I'm near zero.
web|D|-|Why do existing savers get a worse rate than new customers? Loyalty is punished here.
branch|D|Later life|The interest on my savings is pitiful. The newer banks pay three times as much.
app|N|-|Savings rate is poor but everything else is fine.
email|D|-|Paper statements cost £2.50 each now? For a 74 year old who doesn't use the internet? Shameful.
app|P|-|Never had a single wrong charge in 10 years. Fees are clear. Happy customer.
app|X|Small business|Card takings took 4 days to land in our account instead of next day. Nearly £4,000 missing in our busiest week. No warning, no email, nothing.
web|X|Mortgage|Remortgage letter arrived TWO WEEKS before my fix ended. Spent a month on the standard variable rate, cost us £380. You knew the date!
phone|D|Mortgage|Mortgage adviser didn't turn up for the phone appointment. Nobody rang to rebook. Waited 45 minutes by the phone.
branch|D|Mortgage|Offered us worse rates than new customers get on your own website. After 5 years of paying on time. Moved to another lender.
email|D|Mortgage|Asked for the same payslips twice. We uploaded them on day one. Does anyone actually read what we send?
web|D|Mortgage|Seven weeks from application to offer and we heard nothing for most of it. The silence was the worst part. I was so anxious.
phone|D|Mortgage|Redemption statement took three requests and three weeks. Our new lender was ready, our solicitor was ready, only Harbour was holding things up.
email|D|Mortgage|Letters arrive 4 days after the date printed on them. One said our application might be declined if we didn't respond in 10 days and it was already 6 days old. Panic.
branch|P|Mortgage|Mortgage offer was accurate and the rate was exactly what the adviser quoted. Completion went smoothly. First payment taken on the right day.
phone|N|Mortgage|Mortgage process slow but the end result was good. Just needed more updates along the way.
web|N|Mortgage|Would be great if the mortgage tracker showed real stages. Valuation booked, with the underwriter, waiting for your documents. Anything but "in progress".
app|D|Mortgage|what I need is ONE person who owns my mortgage application. Not a different call centre person every time.
app|P|-|New card arrived in 3 days after the ATM swallowed the old one, and I froze it in the app within seconds. Impressed.
app|P|-|Real fraud on my credit card, app asked "was this you?", I pressed no, card frozen and money back in 2 days. Perfect.
phone|D|-|Told you I was travelling, set the travel notice in the app, card blocked in Portugal anyway. What is the point of the travel notice?
branch|D|-|The ATM at the station is out of order about one in three times.
branch|D|-|Cash machine gave me £160 and the receipt said £200. Took six weeks and a paper form to get my £40 back.
branch|N|-|ATM screen impossible to read in sunlight. Otherwise fine.
branch|N|Student|There's no Harbour cash machine anywhere near where I live, so I pay £1.99 at the corner shop one.
branch|P|-|cash machines always work at my branch and there's never a queue for them
app|N|-|Took 5 days for my international transfer to arrive when the app said 1 to 2. No tracking at all.
app|D|-|Transfer to my own savings account at another bank took 3 days. Faster payments? Not here.
web|P|-|Switched my current account in 7 working days exactly as promised. Everything moved over, nothing missed.
app|N|-|It would be great if you told me a fee was coming BEFORE you took it, not after.
app|N|-|Would be nice to get a warning before going overdrawn. A simple notification would save people a lot of money.
app|N|-|I wish they'd test changes with normal people first. My mum can't use the new app at all.
phone|N|-|ideally I'd speak to one person who sorts my problem start to finish. Don't mind waiting if they actually fix it.
app|N|-|if only the app let you choose which account is shown first
web|N|-|They should write the charges on statements in plain English, not codes.
email|N|-|Please stop sending paper letters, or at least let me choose. They go to my parents' house.
branch|N|Later life|Please put the chairs back in the branch. It's a small thing but it matters.
chat|N|-|it would be great if the bot handed you to a human as soon as it doesn't understand. One try, not three.
branch|N|Later life|Would like letters in large print. I asked two years ago and I'm still squinting.
app|N|Small business|I'd like a named contact for the business again. Our relationship manager left and nobody told us.
phone|N|-|What I want is simple. Pick up the phone, fix it first time, call back when you say you will.
app|N|-|could you please add Apple Watch support? everything else is great
app|N|-|Is there a way to turn off the "we've made banking easier" pop up? It comes back every time.
phone|N|-|Why is there no freephone number for customers abroad?
web|N|-|How do I change my address? I've looked everywhere on the website.
app|N|-|Why can't I pay in a cheque with the app anymore?
web|N|-|Is the Milford branch really closing? Nobody has told us anything.
app|P|-|Quick, reliable, easy. 
branch|P|-|Always a pleasure.
app|P|-|no complaints
app|P|-|Excellent
app|N|-|ok
branch|N|-|n/a
email|N|-|-
web|N|-|nothing to add
phone|N|-|.
app|N|-|
branch|N|-|El personal de la sucursal es muy amable, pero la app se cierra sola cuando intento hacer una transferencia.
phone|D|-|Obsługa w oddziale bardzo miła, ale czekałem 40 minut na infolinii i nikt nie oddzwonił. Opłaty za kartę są niezrozumiałe.
app|N|-|La aplicación está bien pero la nueva versión es muy confusa. Antes era más fácil.
phone|X|-|Dramat. Dwa razy pobrali tę samą opłatę i nikt nie potrafi tego naprawić.
web|X|-|<script>alert(1)</script> your website is broken lol
chat|D|-|I pasted this into the chat and it just showed it back: <img src=x onerror=alert(1)> so yeah your security team might want to look at that
email|D|-|=HYPERLINK("http://refund-harbour.example/claim","Click here for your refund") - got this in an email claiming to be from you. Is it real?
phone|X|-|+44 7700 900456 is my number. Call me back. I have been waiting 3 weeks for someone to ring about my complaint.
app|P|-|Superb 🙌 love the savings pots
app|D|-|logged out AGAIN 🙄
phone|X|-|😡😡😡 on hold for an hour
branch|P|-|Thank you to the team at Northgate 🙏 you made a horrible week a bit easier
app|N|-|app is grate but the update is confusing, cant find nothing
phone|D|-|rang 3 times, was told 3 diffrent things. who do i beleive?
app|D|-|keeps crashing when i open the cards tab. iphone 15, latest update. pls fix
web|D|-|the webiste is so slow in the evenings its unusable
branch|P|-|staff are amazing, always helpfull and friendly even when its really busy
app|N|-|Love the app, hate the fees. Simple as that.
branch|N|-|Branch staff are wonderful. Call centre is a nightmare. It's like two different banks.
app|N|-|App is brilliant, phone line is dreadful. If everything could be done in the app I'd give 10.
phone|N|-|Nice people, bad processes.
branch|N|-|The people are great. The systems are a lottery.
app|N|-|Fast payments, clear balance, nice design. Let down by the overdraft fee nonsense.
branch|N|-|Really friendly staff in branch but they can't fix billing errors any faster than the phone line can.
email|D|-|I feel like a number, not a customer. Been with you 20 years and you don't know who I am.
phone|X|-|Absolutely shocking customer service. I feel completely ignored and I will be moving my accounts.
branch|P|-|I feel valued every time I go in. That's why I've stayed with Harbour for 30 years.
app|P|-|Harbour makes banking effortless for me. Never had to call them once.
phone|D|-|Nothing about calling Harbour is effortless. Every call is a battle.
email|D|-|I felt helpless. Nobody would tell me what was happening with my money.
branch|P|-|I was so anxious about my mortgage but the adviser put my mind at rest. Felt reassured and respected.
app|N|-|Would recommend for the app, would not recommend if you ever need to actually speak to someone.
phone|D|-|I wasn't rude to anyone. I just wanted someone to take ownership. Nobody did.
phone|X|-|Wrong fee, 45 minutes on hold, transferred twice, promised a callback that never came. That's my Harbour experience in one sentence.
email|N|-|Took a while but the complaint was resolved fairly in the end.
app|P|-|I recommend Harbour to all my friends because the app is so good and the staff are genuinely nice.
branch|P|Small business|The business lending team understood our cafe and gave us a decision in two days. Felt like they believed in us.
web|N|Small business|Payroll always arrives on time, never had a problem. The website itself is clunky though.
app|P|Small business|Lost a company card on a Sunday night, reported in app, new one arrived Tuesday. Very impressed.
phone|D|Small business|Time is money for a small business. Every hour on hold to Harbour is an hour I'm not working.
email|D|Small business|Merchant services fees are hidden in a 40-page contract. Give me one page in plain English with the real percentage.
app|N|Small business|Business app is decent. Wish it did payroll uploads and saved payment templates.
branch|N|Small business|Business banking used to feel personal. Now we're just a number in a queue.
app|P|Student|Opened my account on the bus in ten minutes. Card arrived four days later like they said. Dead easy.
app|D|Student|Selfie verification failed three times so I had to go into a branch in a city I'd just moved to. Offer a video call or something.
email|N|Student|Letters about my overdraft went to my parents' house even though I updated my address. Mum thought I was in debt 😬
app|P|Student|Interest-free overdraft and a free railcard. Can't complain.
phone|D|Student|I don't like phoning, it gives me anxiety. Please let us sort everything in chat.
branch|P|Later life|I go in every Thursday and they always have time for a chat. The staff make my week, honestly.
phone|D|Later life|Why does everyone keep telling me to use the app? Not everybody has a smartphone.
web|N|Later life|I can manage the website on the computer, but the security card reader is fiddly with arthritis.
phone|P|Later life|A lovely young woman on the phone walked me through setting up online banking step by step. So patient.
phone|X|-|Where do I start. In May my salary was a day late because of the bank holiday and I went £40 into my overdraft for one night. You charged me the £25 fee twice, which pushed me further over, so I got charged again the next day. £75 in fees for a £40 overdraft.\nThen I rang. 40 minutes on hold, transferred twice, had to explain everything three times and go through security three times. Promised a call back in 48 hours that never came. In the end the lovely lady in the Eastgate branch sorted it in 20 minutes. Why does it take a branch visit and somebody's personal kindness to fix a computer error?
branch|P|-|I want to say a proper thank you to the team at the Harbour Street branch. My husband has dementia and I've had to take over all our finances, which I've never done in 45 years of marriage. They sat with me, explained power of attorney, helped me set up the app, and one of them even rang me a week later to check I was getting on alright. I didn't expect that from a bank. I felt like a person, not a customer number.
web|D|Mortgage|We were first time buyers and the whole mortgage process was stressful enough without the bank making it worse. The adviser was great, really patient. But once the application went in we heard nothing for weeks, the tracker never moved, and letters asking for documents we'd already uploaded arrived a week after they were dated.\n\nWe were in a chain and nearly lost the house. The offer itself was fine when it finally came. Please, just tell people what's happening.
app|N|-|Overall I'm happy with Harbour. The app has always been one of the best, which is why I joined. But the June update has made it worse, not better: payments are hidden under Move money, the text is too faint, and cheque deposit crashes every time. On the plus side, notifications are still instant and the spending view is still great. Please let us switch back to the classic layout until you've fixed it.
phone|D|Small business|Our relationship manager left 18 months ago and nobody told us. Since then every problem means the business line, 45 minutes on hold, and a different person every time who has no record of the last call. We were charged for cash handling when we never touch cash and it took five weeks to fix. The woman who finally sorted it was brilliant, but you shouldn't have to get lucky to get good service.
email|D|-|My father banked with you for fifty years. When he died I filled in your bereavement form online. You then sent him six more letters, including a credit card offer. I had to tell five different people on the phone that he was dead. The one person who helped was Mrs Okonjo at Northgate, who took me into a quiet room and made sure everything went where it needed to. She should be training your call centre.
"""

# Near-duplicates with slots: (channel, band, segment, template, slots).
TEMPLATES = [
    ("branch", "P", "-", "{name} at the {branch} branch {praise}",
     {"name": ["Priya", "Marcus", "Sophie", "Kwame", "Gemma", "the manager", "the lady on the counter", "the young lad at the desk"],
      "branch": ["Eastgate", "Northgate", "Harbour Street", "Quay Street", "Westcliff"],
      "praise": ["was so helpful, thank you!", "went above and beyond for me.", "is always friendly and remembers my name.",
                 "sorted everything in ten minutes.", "made me feel really welcome.", "explained everything clearly, no jargon."]}),
    ("phone", "X", "-", "On hold for {mins} minutes {tail}",
     {"mins": ["35", "40", "45", "50", "55", "62", "70"],
      "tail": ["and then cut off.", "then transferred to another department.", "and the problem still isn't fixed.",
               "just to be told to use the app.", "AGAIN.", "to ask one simple question."]}),
    ("app", "D", "-", "Charged {fee} {when}. {tail}",
     {"fee": ["£25 twice", "an overdraft fee I shouldn't have paid", "a fee on a closed account", "£5 for a paper statement",
              "a non-sterling fee on a UK purchase", "twice for the same direct debit"],
      "when": ["last month", "again", "this week", "without any warning"],
      "tail": ["Still waiting for the refund.", "Took three calls to sort out.", "Nobody can explain why.",
               "Refunded, eventually.", "Not impressed."]}),
    ("app", "N", "-", "{good} but {bad}",
     {"good": ["Great app", "Friendly branch staff", "Love the savings pots", "Quick payments", "Helpful people in branch",
               "Card arrived on time"],
      "bad": ["the phone line is hopeless.", "the fees are a mess.", "the new update is confusing.",
              "it logs me out constantly.", "getting a refund is a battle.", "nobody ever calls back."]}),
    ("app", "P", "-", "{thing}. {praise}",
     {"thing": ["Easy to use app", "Instant notifications", "Great savings goals", "Simple transfers", "Clear spending breakdown"],
      "praise": ["Love it.", "Highly recommend.", "Never had a problem.", "Makes life easier.", "10/10"]}),
]


def draw_nps(band: str, rng: random.Random) -> int:
    """An NPS (0–10) consistent with the comment's band, with realistic noise."""
    choices = {"P": ([9, 10], [45, 55]), "N": ([6, 7, 8, 9], [8, 45, 40, 7]),
               "D": ([2, 3, 4, 5, 6], [6, 14, 25, 27, 28]), "X": ([0, 1, 2, 3], [45, 25, 20, 10])}
    values, weights = choices[band]
    return rng.choices(values, weights)[0]


def parse_pool(text: str) -> list[tuple[str, str, str, str]]:
    """Pool lines as (channel, band, segment, comment) tuples."""
    rows = []
    for n, line in enumerate(text.strip("\n").split("\n"), 1):
        channel, band, segment, comment = line.split("|", 3)
        if band not in "PNDX" or channel not in {"app", "web", "branch", "phone", "chat", "email"}:
            raise ValueError(f"POOL line {n}: bad channel or band in {line!r}")
        rows.append((channel, band, segment, comment.replace("\\n", "\n")))
    return rows


def fill_templates(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    """``n`` distinct comments drawn from TEMPLATES, spread over the templates."""
    out: list[tuple[str, str, str, str]] = []
    per = -(-n // len(TEMPLATES))
    for channel, band, segment, template, slots in TEMPLATES:
        keys = list(slots)
        combos = list(itertools.product(*(slots[k] for k in keys)))
        for combo in rng.sample(combos, per):
            out.append((channel, band, segment, template.format(**dict(zip(keys, combo)))))
    return out[:n]


def random_date(wave: str, rng: random.Random) -> str:
    """An ISO date inside the wave's quarter."""
    start, end = WAVES[wave]
    return (start + dt.timedelta(days=rng.randint(0, (end - start).days))).isoformat()


def build_rows(seed: int = SEED) -> list[dict]:
    """All comment rows, shuffled, with ids R0001…"""
    rng = random.Random(seed)
    entries = parse_pool(POOL) + fill_templates(rng, N_TEMPLATED)
    rng.shuffle(entries)
    rows = []
    for i, (channel, band, segment, comment) in enumerate(entries, 1):
        if segment == "-":
            segment = rng.choices(list(SEGMENTS), list(SEGMENTS.values()))[0]
        wave = "2026-Q2" if rng.random() < SHARE_Q2 else "2026-Q3"
        rows.append({"response_id": f"R{i:04d}", "comment": comment, "nps": draw_nps(band, rng),
                     "segment": segment, "channel": channel, "date": random_date(wave, rng), "wave": wave})
    return rows


def write_csv(rows: list[dict], path: Path = OUT) -> None:
    """Write the rows atomically (temp file in the same folder, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


if __name__ == "__main__":
    write_csv(build_rows())
