/**
 * Category assignment by keywords. Only categories present in the input list are ever
 * returned. Known category names (the defaults and common synonyms) have keyword lists;
 * any other category is matched by the words of its name and description.
 */
import type { Category } from '../../core/types'
import { PROFESSIONS } from './lexicon'
import { contentTokens, stem } from './similarity'

const KEYWORDS: Record<string, string> = {
  personal: `name named called age old born birthday nationality citizen identity gender pronouns
    canadian american british french german italian spanish indian chinese japanese korean mexican
    brazilian irish scottish australian dutch polish jewish muslim christian catholic hindu buddhist
    atheist introvert extrovert drive drives car speak speaks fluent language languages height tall
    own owns dog cat puppy kitten pet pets tattoo glasses lefthanded`,
  preferences: `like likes love loves enjoy enjoys hate hates dislike dislikes prefer prefers favorite
    fan into stand adore adores detest passionate obsessed keen rather`,
  food_preferences: `vegetarian vegan pescatarian meat eat eats eating food foods diet gluten dairy
    lactose sushi pizza pasta coffee tea chocolate spicy cilantro pork beef chicken fish seafood
    keto paleo cook cooking bake baking cuisine dish dishes restaurant drink drinks beer wine
    alcohol breakfast lunch dinner snack snacks sweet sugar salad burger burgers lasagna noodles
    ramen curry taco tacos cheese bread fruit vegetables vegetable nigiri halal kosher`,
  allergies: `allergic allergy allergies intolerant intolerance celiac anaphylactic epipen gluten
    lactose`,
  health: `health healthy sick ill illness disease diabetes diabetic asthma cancer diagnosed doctor
    hospital medication medicine pills surgery injury injured broke broken wrist arm leg knee back
    pain migraine migraines pregnant pregnancy therapy therapist physical anxiety depression adhd
    blood pressure sugar insulin gym workout exercise exercises fitness run runs running marathon
    yoga sleep sleeps insomnia weight diet appendix fever covid flu vaccine dentist checkup
    sober smoking smoke quit cholesterol heart lactose intolerant miles 5k 10k lift lifting swim`,
  relationships: `friend friends boyfriend girlfriend partner dating date met meet colleague
    coworker neighbor neighbour roommate ex crush single relationship engaged fiance fiancee
    bestie mentor boss`,
  family: `family wife husband spouse married marriage wedding anniversary kid kids child children
    son daughter baby babies mom mother dad father parents parent sister brother sibling siblings
    grandma grandmother grandpa grandfather grandparents aunt uncle cousin niece nephew in-laws
    twins toddler pregnant divorced divorce engaged fiance fiancee stepson stepdaughter mum`,
  work: `work works working worked job jobs employer company office boss colleague coworker
    promoted promotion hired career manager engineer designer developer teacher nurse doctor
    freelance freelancing freelancer startup salary client clients quit fired interview resume
    remote commute commuting shift shifts nights business bank hospital counselor lawyer
    consultant intern internship joined retire retired retirement meeting project deadline
    team workplace profession professional bakery`,
  education: `study studies studying student school university college degree masters master's
    phd bachelor major class classes course courses exam exams graduate graduated graduating
    thesis learning learn learns lesson lessons tutor kindergarten homework semester campus
    mit stanford harvard oxford cambridge duolingo language languages fluent spanish french
    german japanese piano`,
  location: `live lives living lived move moved moving relocate relocated based city town country
    apartment flat house home neighborhood neighbourhood grew born from originally rent renting
    hometown address stay staying brooklyn`,
  goals: `plan plans planning goal goals want wants hope hopes hoping dream dreams aim aiming
    resolution someday future thinking considering intend intends saving save
    trying try training aspire upgrade upgrading become becoming`,
  interests: `hobby hobbies play plays playing guitar piano drums music band sing read reads
    reading book books novel novels movie movies film films series show shows comedies comedy
    hiking hike climbing paint painting draw drawing photography camera cameras game games gaming
    knit knitting garden gardening collect collects collecting vintage chess tennis soccer football
    basketball golf surf surfing ski skiing fan concert concerts podcast anime travel traveling
    dance dancing art museum learning learn cook cooking baking lasagna dune swift`,
  habits: `every daily weekly usually always often sometimes routine habit habits each
    morning mornings night nights weekend weekends wake wakes bed commute commuting times day
    week mondays tuesdays wednesdays thursdays fridays saturdays sundays`,
  events: `met meet meeting trip visit visited visiting wedding party birthday anniversary
    concert conference appointment celebrate celebrating celebrated flying fly flight vacation
    holiday hosting host event attended attend graduation ceremony funeral festival interview
    match expecting engaged`,
  technical: `computer laptop phone iphone android software app apps code codes coding program
    programming python javascript typescript rust java linux windows mac macbook server database
    api tech technology developer engineer github keyboard gaming pc tablet ipad website
    infrastructure payments cloud ai arch`,
}

/** Synonym names of the default categories, so that "food" or "job" lists get keywords too. */
const ALIASES: Record<string, string> = {
  food: 'food_preferences', diet: 'food_preferences', dietary: 'food_preferences', foods: 'food_preferences',
  allergy: 'allergies', medical: 'health', fitness: 'health', wellness: 'health',
  relationship: 'relationships', friends: 'relationships', social: 'relationships', people: 'relationships',
  job: 'work', career: 'work', professional: 'work', employment: 'work',
  school: 'education', studies: 'education', learning: 'education',
  places: 'location', residence: 'location', home: 'location', locations: 'location',
  plans: 'goals', goal: 'goals', aspirations: 'goals',
  hobbies: 'interests', interest: 'interests', hobby: 'interests',
  habit: 'habits', routine: 'habits', routines: 'habits',
  event: 'events', calendar: 'events', schedule: 'events',
  tech: 'technical', technology: 'technical', devices: 'technical',
  likes: 'preferences', preference: 'preferences', tastes: 'preferences',
  identity: 'personal', profile: 'personal', bio: 'personal', about: 'personal',
}

const FALLBACKS = ['personal', 'general', 'other', 'misc', 'miscellaneous', 'facts', 'about_me', 'profile', 'notes']

const GENERIC_DESCRIPTION_WORDS = new Set(
  `user users thing things stuff about other anything everything etc general kind kinds type types
  information info fact facts detail details related also include includes including like such
  person life memory memories category`.split(/\s+/),
)

const stemmedCache = new Map<string, Set<string>>()
function stemmedKeywords(key: string): Set<string> {
  let s = stemmedCache.get(key)
  if (!s) {
    s = new Set(KEYWORDS[key].trim().split(/\s+/).map(stem))
    if (key === 'work') for (const p of PROFESSIONS) s.add(stem(p))
    stemmedCache.set(key, s)
  }
  return s
}

function keywordsFor(category: Category): Set<string> {
  const name = (category.name ?? '').toLowerCase()
  const known = KEYWORDS[name] ? name : ALIASES[name]
  const out = new Set<string>(known ? stemmedKeywords(known) : [])
  if (known) return out
  const nameParts = name.split(/[_\s-]+/).filter(Boolean)
  for (const part of nameParts) {
    const alias = ALIASES[part] ?? (KEYWORDS[part] ? part : undefined)
    if (alias) for (const k of stemmedKeywords(alias)) out.add(k)
    if (!GENERIC_DESCRIPTION_WORDS.has(part)) out.add(stem(part))
  }
  if (!known) {
    for (const w of contentTokens(category.description ?? '')) if (!GENERIC_DESCRIPTION_WORDS.has(w)) out.add(w)
  }
  return out
}

/** Broader words implied by a word, so that custom categories ("pets", "travel") match. */
const CONCEPTS: Record<string, string> = {
  dog: 'pet animal', cat: 'pet animal', puppy: 'pet animal dog', kitten: 'pet animal cat', parrot: 'pet animal bird',
  hamster: 'pet animal', rabbit: 'pet animal', bunny: 'pet animal', horse: 'animal', fish: 'animal',
  visit: 'travel trip', fly: 'travel trip', flight: 'travel trip', trip: 'travel', vacation: 'travel trip',
  holiday: 'travel trip', abroad: 'travel',
  wife: 'family partner spouse', husband: 'family partner spouse', mom: 'family parent', dad: 'family parent',
  kid: 'family child children', son: 'family child', daughter: 'family child', sister: 'family sibling',
  brother: 'family sibling', boyfriend: 'partner relationship', girlfriend: 'partner relationship',
  doctor: 'health medical', hospital: 'health medical', surgery: 'health medical',
  allerg: 'allergy health', vegetarian: 'diet food', vegan: 'diet food', meat: 'diet food',
  job: 'work career', work: 'job career', employ: 'work job', university: 'school education study',
  college: 'school education study', guitar: 'music instrument hobby', piano: 'music instrument hobby',
  laptop: 'device computer tech', phone: 'device tech', car: 'vehicle', movie: 'film entertainment',
  book: 'reading literature', read: 'book reading', run: 'sport fitness exercise', gym: 'sport fitness exercise',
  yoga: 'sport fitness exercise', tennis: 'sport', soccer: 'sport', football: 'sport', hik: 'outdoors',
  money: 'finance', salary: 'finance money', rent: 'finance money', save: 'finance money',
}

function withConcepts(tokens: Set<string>): Set<string> {
  const out = new Set(tokens)
  for (const t of tokens) {
    const c = CONCEPTS[t]
    if (c) for (const w of c.split(' ')) out.add(stem(w))
  }
  return out
}

export interface CategorizeOptions {
  /** categories the extraction pattern suggests (used only if present in the list) */
  hints?: string[]
  hasEventDate?: boolean
  max?: number
}

/**
 * Categories for a fact, best first, only from `categories`. Falls back to a generic
 * category of the list ("personal", "general", ...) or [] when there is none.
 */
export function categorize(content: string, categories: readonly Category[], opts: CategorizeOptions = {}): string[] {
  if (!Array.isArray(categories) || categories.length === 0) return []
  const names = categories.map((c) => c?.name).filter((n): n is string => typeof n === 'string' && n.length > 0)
  const base = contentTokens(content, { keepChangeWords: true })
  const tokens = withConcepts(base)
  const scored: { name: string; score: number; order: number }[] = []
  categories.forEach((cat, order) => {
    if (!cat || typeof cat.name !== 'string' || cat.name.length === 0) return
    const kw = keywordsFor(cat)
    const lower = cat.name.toLowerCase()
    const known = !!(KEYWORDS[lower] || ALIASES[lower])
    let score = 0
    for (const t of known ? base : tokens) if (kw.has(t)) score += 1
    const hint = opts.hints?.some((h) => h === cat.name || ALIASES[cat.name.toLowerCase()] === h)
    if (hint) score += 2
    if (opts.hasEventDate && (cat.name === 'events' || ALIASES[cat.name] === 'events')) score += 1
    if (score > 0) scored.push({ name: cat.name, score, order })
  })
  scored.sort((a, b) => b.score - a.score || a.order - b.order)
  const max = opts.max ?? 3
  const top = scored.length > 0 ? scored[0].score : 0
  // keep categories that score close to the best one
  const picked = scored.filter((s) => s.score >= Math.max(1, top / 2)).slice(0, max).map((s) => s.name)
  if (picked.length > 0) return picked
  for (const f of FALLBACKS) if (names.includes(f)) return [f]
  return []
}
