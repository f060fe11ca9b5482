import type { Random } from './random';

export interface Person {
  name: string;
  /** Latin local part for an email address, whatever the script of the name. */
  handle: string;
}

type Latin = { first: string[]; last: string[] };

const LATIN: Record<string, Latin> = {
  de: {
    first: ['Anna', 'Lukas', 'Sophie', 'Jonas', 'Katrin', 'Matthias', 'Leonie', 'Florian', 'Miriam'],
    last: ['Müller', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Schulz', 'Koch', 'Brandt'],
  },
  fr: {
    first: ['Camille', 'Julien', 'Élodie', 'Mathieu', 'Chloé', 'Antoine', 'Sandrine', 'Hugo'],
    last: ['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Fontaine', 'Roussel'],
  },
  en: {
    first: ['Olivia', 'James', 'Emily', 'Daniel', 'Grace', 'Thomas', 'Hannah', 'Samuel', 'Chloe'],
    last: ['Clarke', 'Hughes', 'Patel', 'Walsh', 'Turner', 'Murphy', 'Bennett', 'Okafor', 'Reid'],
  },
  nl: {
    first: ['Sanne', 'Daan', 'Fleur', 'Bram', 'Lotte', 'Thijs', 'Femke'],
    last: ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'van Dijk', 'Mulder'],
  },
  es: {
    first: ['Lucía', 'Javier', 'Carmen', 'Alejandro', 'Marta', 'Pablo', 'Elena', 'Diego'],
    last: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Romero', 'Navarro', 'Torres'],
  },
  pt: {
    first: ['Ana', 'João', 'Beatriz', 'Pedro', 'Mariana', 'Rafael', 'Larissa'],
    last: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Ferreira', 'Costa', 'Almeida'],
  },
  it: {
    first: ['Giulia', 'Marco', 'Francesca', 'Luca', 'Chiara', 'Alessandro', 'Sara'],
    last: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo'],
  },
  nordic: {
    first: ['Elin', 'Erik', 'Maja', 'Oskar', 'Ingrid', 'Lars', 'Sofia', 'Mikko'],
    last: ['Andersson', 'Johansson', 'Nilsen', 'Lindqvist', 'Hansen', 'Virtanen', 'Berg'],
  },
  pl: {
    first: ['Agnieszka', 'Piotr', 'Katarzyna', 'Tomasz', 'Magdalena', 'Michał'],
    last: ['Nowak', 'Kowalski', 'Wiśniewska', 'Wójcik', 'Kamińska', 'Lewandowski'],
  },
  in: {
    first: ['Priya', 'Arjun', 'Ananya', 'Rohan', 'Kavya', 'Vikram', 'Meera'],
    last: ['Sharma', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Menon', 'Kulkarni'],
  },
  gulf: {
    first: ['Fatima', 'Omar', 'Layla', 'Khalid', 'Noura', 'Yousef', 'Mariam'],
    last: ['Al Mansoori', 'Haddad', 'Al Suwaidi', 'Nasser', 'Al Thani', 'Khoury'],
  },
  sea: {
    first: ['Wei Ling', 'Ravi', 'Siti', 'Jun Hao', 'Nurul', 'Daniel', 'Mei'],
    last: ['Tan', 'Lim', 'Rahman', 'Ng', 'Wijaya', 'Goh', 'Abdullah'],
  },
};

/** People whose names are written in their own script, with the handle they use in email. */
const NATIVE: Record<string, [string, string][]> = {
  ir: [
    ['مریم احمدی', 'maryam.ahmadi'],
    ['علی رضایی', 'ali.rezaei'],
    ['سارا محمدی', 'sara.mohammadi'],
    ['رضا کریمی', 'reza.karimi'],
    ['نازنین حسینی', 'nazanin.hosseini'],
    ['امیر جعفری', 'amir.jafari'],
  ],
  cn: [
    ['王伟', 'wang.wei'],
    ['李娜', 'li.na'],
    ['张敏', 'zhang.min'],
    ['刘洋', 'liu.yang'],
    ['陈静', 'chen.jing'],
    ['杨磊', 'yang.lei'],
  ],
  jp: [
    ['佐藤 健', 'ken.sato'],
    ['鈴木 花子', 'hanako.suzuki'],
    ['高橋 翔', 'sho.takahashi'],
    ['田中 美咲', 'misaki.tanaka'],
    ['伊藤 大輔', 'daisuke.ito'],
  ],
};

// prettier-ignore
const GROUP: Record<string, string> = {
  DE: 'de', AT: 'de', CH: 'de', FR: 'fr', BE: 'fr', LU: 'fr', GB: 'en', IE: 'en', US: 'en', CA: 'en',
  AU: 'en', NZ: 'en', ZA: 'en', KE: 'en', NG: 'en', NL: 'nl', ES: 'es', MX: 'es', AR: 'es', PT: 'pt',
  BR: 'pt', IT: 'it', SE: 'nordic', NO: 'nordic', DK: 'nordic', FI: 'nordic', PL: 'pl', IN: 'in',
  AE: 'gulf', SA: 'gulf', QA: 'gulf', SG: 'sea', MY: 'sea', ID: 'sea', IR: 'ir', CN: 'cn', JP: 'jp',
};

// prettier-ignore
const CALLING_CODE: Record<string, string> = {
  DE: '49', AT: '43', CH: '41', FR: '33', BE: '32', LU: '352', GB: '44', IE: '353', US: '1', CA: '1',
  AU: '61', NZ: '64', ZA: '27', KE: '254', NG: '234', NL: '31', ES: '34', MX: '52', AR: '54', PT: '351',
  BR: '55', IT: '39', SE: '46', NO: '47', DK: '45', FI: '358', PL: '48', IN: '91', AE: '971', SA: '966',
  QA: '974', SG: '65', MY: '60', ID: '62', IR: '98', CN: '86', JP: '81',
};

export const CONTACT_TITLES = [
  'Chief Information Officer',
  'Head of IT',
  'IT Manager',
  'Procurement Lead',
  'Infrastructure Architect',
  'Chief Technology Officer',
  'Operations Director',
];

const toHandle = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[łŁ]/g, 'l')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');

export function personFrom(country: string, random: Random): Person {
  const group = GROUP[country] ?? 'en';
  const native = NATIVE[group];
  if (native) {
    const [name, handle] = random.pick(native);
    return { name, handle };
  }
  const { first, last } = LATIN[group]!;
  const [given, family] = [random.pick(first), random.pick(last)];
  return { name: `${given} ${family}`, handle: `${toHandle(given)}.${toHandle(family)}` };
}

export function phoneIn(country: string, random: Random): string {
  const digits = Array.from({ length: 8 }, () => random.int(0, 9)).join('');
  return `+${CALLING_CODE[country] ?? '1'} ${digits.slice(0, 3)} ${digits.slice(3)}`;
}
