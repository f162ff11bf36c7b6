import type { Category } from './types'

/** The space's categories when none were set (as the memories issue lists them). */
export const DEFAULT_CATEGORIES: Category[] = [
  { name: 'personal', description: 'Name, age, identity and other personal facts' },
  { name: 'preferences', description: 'Likes, dislikes and preferences in general' },
  { name: 'food_preferences', description: 'Diet, favourite foods and what the user does not eat' },
  { name: 'allergies', description: 'Allergies and intolerances' },
  { name: 'health', description: 'Health, conditions, medication, fitness' },
  { name: 'relationships', description: 'Friends, partners, colleagues and other people' },
  { name: 'family', description: 'Family members and family life' },
  { name: 'work', description: 'Job, employer, career' },
  { name: 'education', description: 'School, studies, degrees, courses' },
  { name: 'location', description: 'Where the user lives, moved to or comes from' },
  { name: 'goals', description: 'Plans, ambitions and goals' },
  { name: 'interests', description: 'Hobbies and interests' },
  { name: 'habits', description: 'Routines and habits' },
  { name: 'events', description: 'Things that happened or will happen on a date' },
  { name: 'technical', description: 'Technology, tools, devices and software' },
]

export const CATEGORY_NAME = /^[a-z][a-z0-9_]{0,49}$/
