/**
 * Word lists used by the rules engine. Plain data, no logic.
 */

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/))

/** Irregular past tenses (and past participles) that must not get a third-person -s. */
export const IRREGULAR_PAST = set(`
  went gone got gotten met bought brought ate eaten saw seen took taken made ran began begun
  became found left lost felt kept told thought caught taught sold sent spent built broke broken
  drove driven flew flown grew grown knew known wrote written read heard held sat stood won
  swam sang came fell fallen forgot forgotten gave given hid hurt let put quit set shut split
  spread paid said slept wore worn woke woken understood rode ridden rang sank spoke spoken
  stole threw thrown fought bought led meant had did done was were been dealt dug fed fled
  sought struck swore tore torn shook lit overheard overcame undertook withdrew chose chosen
  bit bitten blew blown drew drawn drank drunk froze frozen hung lay laid lent mistook slid
  spun sprang stuck stung stank strode strove swept swung wept wound beat
`)

/** Words that end in -ed but are base forms. */
export const ED_BASE_FORMS = set(`need feed bleed breed speed proceed succeed exceed shed seed weed embed wed`)

/** Third-person forms of irregular verbs. */
export const THIRD_PERSON_IRREGULAR: Readonly<Record<string, string>> = {
  am: 'is',
  are: 'is',
  be: 'is',
  have: 'has',
  do: 'does',
  go: 'goes',
  were: 'was',
}

/** Modal and auxiliary words that are not conjugated. */
export const MODALS = set(`can cannot could will would should might must may shall used`)

/** Adverbs that can sit between the subject and the verb; they are kept in the fact. */
export const KEPT_ADVERBS = set(`usually always never often sometimes rarely seldom still originally mostly
  occasionally normally generally typically regularly currently now no longer`)

/** Filler adverbs that are dropped from the fact. */
export const DROPPED_ADVERBS = set(`just actually really literally basically totally absolutely definitely
  kinda kind sorta honestly seriously truly already recently finally officially pretty so lowkey highkey def
  also even both all simply personally super extremely incredibly deeply quite rather`)

/** Verbs whose first-person use is conversational, not a fact ("I think", "I guess"). */
export const NON_FACT_VERBS = set(`think guess know mean see agree wonder suppose bet understand appreciate
  apologize apologise promise assume doubt imagine wish forgot forget remember realize realise
  guessed thought wondered meant agreed hear heard feel felt swear reckon care
  asked ask said say told tell believe figured figure
  recommend suggest expect wait`)

/** Feelings of the moment: "I'm so tired", "I'm excited about it". Never a lasting fact. */
export const EMOTION_ADJECTIVES = set(`tired exhausted hungry thirsty bored sorry glad sure unsure curious confused
  excited worried nervous anxious grateful thankful jealous impressed thrilled kidding joking happy sad
  upset angry mad annoyed frustrated stressed relieved shocked surprised pleased hopeful proud
  fascinated amazed sleepy struggling overwhelmed bummed stoked pumped psyched sick_of fed jetlagged
  hungover starving freezing dying disappointed embarrassed honored honoured flattered touched
  heartbroken devastated delighted ecstatic speechless`)

/** States that are passing when they are all there is: "I'm back", "I'm good", "I'm thinking". */
export const TRANSIENT_ALONE = set(`fine good ok okay great well back here there done ready busy lost serious
  right wrong listening wondering all down game new late early home away awake asleep sick ill cold
  hot free around alright aware certain stuck full broke in out off on up thinking looking going
  trying working reading watching eating cooking sitting waiting hoping planning writing talking
  asking feeling doing studying driving walking leaving coming relaxing chilling resting fasting
  online offline outside inside there sorted set covered good_to_go`)

/** Words after the predicate that do not make a passing state lasting ("I'm tired today"). */
export const TIME_FILLERS = set(`today tonight now rn atm again too though tbh lol haha right this week
  morning evening afternoon anymore already currently lately honestly really so very super pretty
  as well a bit little kinda`)

/** Gerund / participle words that may begin a subjectless chat fragment ("thinking of ..."). */
export const FRAGMENT_GERUNDS = set(`thinking planning hoping moving starting learning working training living
  going trying studying looking saving getting flying heading visiting graduating expecting`)

/** Relations and pets that can be named right after "my" ("my sister Anna"). */
export const RELATION_NOUNS = set(`wife husband partner spouse boyfriend girlfriend fiance fiancee fiancé fiancée
  son daughter kid kids child children baby babies mom mum mother mommy mama dad father daddy papa
  parents parent sister brother sisters brothers sibling siblings grandma grandmother granny grandpa
  grandfather grandparents aunt uncle cousin niece nephew friend friends bestie bff boss manager
  coworker colleague roommate flatmate neighbor neighbour neighbors teammate mentor therapist doctor
  ex in-laws stepson stepdaughter stepmom stepdad twin dog dogs cat cats puppy puppies kitten
  kittens bird parrot hamster rabbit bunny horse fish turtle tortoise snake lizard guinea pig ferret
  son-in-law daughter-in-law mother-in-law father-in-law grandson granddaughter grandkids
  grandchildren toddler husband's wife's`)

export const PET_NOUNS = set(`dog dogs cat cats puppy puppies kitten kittens bird parrot hamster rabbit bunny
  horse fish turtle tortoise snake lizard pig ferret budgie gecko`)

export const FEMALE_RELATIONS = set(`wife girlfriend fiancee fiancée mom mum mother mommy mama sister grandma
  grandmother granny aunt niece daughter stepmom stepdaughter granddaughter mother-in-law daughter-in-law`)

export const MALE_RELATIONS = set(`husband boyfriend fiance fiancé dad father daddy papa brother grandpa
  grandfather uncle nephew son stepdad stepson grandson father-in-law son-in-law`)

export const PLURAL_RELATIONS = set(`parents kids children siblings grandparents in-laws friends sisters
  brothers cousins grandkids grandchildren twins babies dogs cats puppies kittens neighbors`)

/** Head nouns of job titles. */
export const PROFESSIONS = set(`engineer developer programmer designer teacher nurse doctor physician surgeon
  dentist lawyer attorney accountant architect artist writer author journalist editor chef cook baker
  pilot manager director consultant analyst scientist researcher professor lecturer therapist counselor
  counsellor pharmacist vet veterinarian electrician plumber carpenter mechanic firefighter officer
  cop soldier farmer photographer musician actor actress waiter waitress barista bartender cashier
  librarian paramedic intern founder cofounder co-founder ceo cto cfo coo freelancer translator tutor
  coach trainer receptionist secretary salesperson marketer recruiter entrepreneur technician
  administrator admin clerk driver courier cleaner caregiver midwife psychologist psychiatrist
  economist banker broker agent realtor stylist hairdresser tailor illustrator animator producer
  filmmaker dancer singer composer comedian paralegal judge surveyor optometrist physiotherapist
  physio radiologist pediatrician scientist biologist chemist physicist mathematician statistician
  tester sysadmin architect strategist copywriter associate specialist coordinator assistant
  representative supervisor foreman contractor landscaper gardener janitor guard instructor
  principal nanny babysitter housekeeper butcher fisherman welder machinist programmer`)

/** Words that introduce a hedge or a hypothetical; clauses starting with them are not facts. */
export const SUBORDINATE_STARTS = set(`if unless whether when whenever once before after until till while
  whereas although though`)

export const QUESTION_STARTS = set(`what what's whats who who's whom whose which where where's when why
  how how's do does did can could would should will is are am was were have has had may might shall
  isn't aren't don't doesn't didn't can't couldn't wouldn't shouldn't won't any anyone anybody
  anything ideas thoughts suggestions recommendations right`)

/** Nationalities and similar words: "I'm Canadian" is not a name. */
export const NATIONALITY_SUFFIX = /(?:an|ian|ese|ish|i|ic|ch)$/i

/** Leading fillers stripped from the start of a clause. */
export const LEADING_FILLERS = [
  'by the way', 'just so you know', 'for the record', 'to be honest', 'fun fact', 'oh and', 'oh also',
  'and also', 'quick update', 'heads up', 'good news', 'big news', 'update', 'guess what',
  'btw', 'fyi', 'tbh', 'imo', 'ps', 'p.s.', 'oh', 'ah', 'aw', 'aww', 'well', 'so', 'also', 'and', 'but',
  'plus', 'anyway', 'anyways', 'lol', 'lmao', 'haha', 'hahaha', 'hah', 'hehe', 'hey', 'hi', 'hello',
  'ok', 'okay', 'yeah', 'yea', 'yes', 'yep', 'yup', 'no', 'nope', 'nah', 'ugh', 'omg', 'wow', 'hmm',
  'hm', 'um', 'uh', 'actually', 'honestly', 'basically', 'sorry', 'thanks', 'thank you', 'cool',
  'nice', 'great', 'awesome', 'sure', 'oh yeah', 'yeah so', 'right', 'alright', 'then', 'like',
  'speaking of which', 'fwiw', 'now', 'seriously', 'literally', 'turns out', 'it turns out',
]

/** Phrases after which the rest of the clause is a statement worth keeping. */
export const META_PREFIXES = [
  /^i (?:told you|mentioned|said)(?: (?:before|earlier|already))?(?: that)?\s+/i,
  /^as i (?:said|mentioned|told you)(?: (?:before|earlier))?,?\s+/i,
  /^like i said,?\s+/i,
  /^(?:please )?(?:remember|note|keep in mind|don't forget)(?: that)?\s+/i,
  /^i (?:just )?wanted to (?:let you know|say|tell you|mention|share)(?: that)?\s+/i,
  /^i (?:should|forgot to|have to|must) (?:mention|say|tell you)(?: that)?\s+/i,
  /^(?:just )?(?:so you know|letting you know)(?: that)?,?\s+/i,
  /^it turns out(?: that)?\s+/i,
  /^turns out(?: that)?\s+/i,
]

/** Words a vague object can be: "I love it", "I have one". */
export const PRONOUN_OBJECTS = set(`it that this them those these you one ones so too there here him her
  lol haha well great fine good bad ok okay awesome amazing fun nice`)

export const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8',
  nine: '9', ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15',
  sixteen: '16', seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20', thirty: '30',
  forty: '40', fifty: '50', sixty: '60', seventy: '70', eighty: '80', ninety: '90', hundred: '100',
  a: '1', an: '1', single: '1', couple: '2', pair: '2',
}

export const ORDINAL_WORDS: Readonly<Record<string, number>> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
}
