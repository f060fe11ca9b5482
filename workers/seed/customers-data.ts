import type { SizeSegment } from './partners-data';
import { slugify } from './partners-data';

export interface CustomerSeed {
  name: string;
  country: string;
  industry: string;
  sizeSegment: SizeSegment;
  domain: string;
  /** The partner that contributed the record; null for the vendor's own. */
  ownerSlug: string | null;
}

/**
 * "Name|industry|segment", with a Latin domain stem as a fourth field where the name is not in
 * Latin script. Records are kept in the script the customer uses: Persian, Chinese, Japanese
 * and Arabic names must survive every page, export and email unmangled.
 */
const BY_COUNTRY: Record<string, string[]> = {
  DE: [
    'Kessler Maschinenbau GmbH|manufacturing|mid_market',
    'Stadtwerke Ahrtal|energy|mid_market',
    'Hansa Logistik AG|logistics|enterprise',
    'Klinikum Mittelrhein|healthcare|enterprise',
    'Brandt & Söhne Feinmechanik|manufacturing|small_business',
    'Vogel Versicherungsgruppe|financial_services|enterprise',
    'Sommerfeld Handels GmbH|retail|mid_market',
    'Fränkische Energie AG|energy|enterprise',
    'Landratsamt Oberwald|public_sector|mid_market',
  ],
  AT: ['Alpenland Holzwerke|manufacturing|mid_market', 'Privatklinik Sonnhof Wien|healthcare|small_business'],
  CH: [
    'Limmat Treuhand AG|financial_services|mid_market',
    'Bergbahnen Engadin Nord|public_sector|small_business',
  ],
  FR: [
    'Maison Delorme|retail|mid_market',
    'Transports Garnier|logistics|mid_market',
    'Clinique Saint-Aubin|healthcare|mid_market',
    'Caisse Solidaire des Vosges|financial_services|enterprise',
    'Ateliers Roussel|manufacturing|small_business',
    'Région Val-de-Loire Numérique|public_sector|enterprise',
    'Groupe Hôtelier Belcastel|retail|enterprise',
  ],
  BE: ['Brouwerij Van Damme|manufacturing|mid_market', 'Liège Métal SA|manufacturing|enterprise'],
  LU: ['Moselle Fund Services|financial_services|mid_market'],
  GB: [
    'Harrowgate Building Society|financial_services|enterprise',
    'Northgate Retail plc|retail|enterprise',
    'St Aldric Hospital Trust|healthcare|enterprise',
    'Caldwell & Finch Solicitors|financial_services|small_business',
    'Pembroke Freight Ltd|logistics|mid_market',
    'Whitcombe Engineering|manufacturing|mid_market',
    'Borough of Eastmere Council|public_sector|mid_market',
    'Kestrel Wind Power|energy|mid_market',
  ],
  IE: ['Liffey Pharma Ltd|healthcare|mid_market', 'Connacht Credit Union|financial_services|small_business'],
  NL: [
    'Van der Berg Tuinbouw|manufacturing|small_business',
    'Delta Havenbedrijf|logistics|enterprise',
    'Ziekenhuis Amstelland|healthcare|enterprise',
    'Oranje Fietsen BV|retail|mid_market',
    'Gemeente Waterland|public_sector|mid_market',
  ],
  ES: [
    'Construcciones Albero|manufacturing|mid_market',
    'Hospital Virgen del Mar|healthcare|enterprise',
    'Bodegas Ribera Alta|retail|small_business',
    'Logística Cantábrica|logistics|mid_market',
    'Seguros Levante|financial_services|enterprise',
    'Energías del Ebro|energy|enterprise',
  ],
  PT: [
    'Conservas Atlântico|manufacturing|small_business',
    'Banco Douro Invest|financial_services|mid_market',
  ],
  IT: [
    'Manifattura Bellini|manufacturing|mid_market',
    'Banca Agricola Emiliana|financial_services|enterprise',
    'Ospedale Santa Chiara di Lucca|healthcare|enterprise',
    'Trasporti Lombardi|logistics|mid_market',
    'Ceramiche Vietri Nuova|manufacturing|small_business',
    'Moda Navigli Srl|retail|mid_market',
  ],
  SE: [
    'Norrsken Energi AB|energy|enterprise',
    'Göta Logistik AB|logistics|mid_market',
    'Region Vättern Vård|public_sector|enterprise',
  ],
  NO: ['Havbris Sjømat AS|manufacturing|mid_market'],
  DK: ['Nørrebro Design ApS|retail|small_business'],
  FI: ['Saimaa Paper Oy|manufacturing|enterprise'],
  PL: [
    'Mazowiecka Spółdzielnia Mleczarska|manufacturing|mid_market',
    'Bałtyk Transport sp. z o.o.|logistics|mid_market',
    'Krakowska Fabryka Mebli|manufacturing|small_business',
    'Pomorska Energetyka Serwis|energy|mid_market',
  ],
  US: [
    'Redwood Valley Health|healthcare|enterprise',
    'Harbor & Pine Bank|financial_services|enterprise',
    'Summit Ridge Manufacturing|manufacturing|mid_market',
    'Bluebonnet Grocers|retail|mid_market',
    'Cascadia School District 14|education|mid_market',
    'Ironbridge Logistics|logistics|enterprise',
    'Prairie Wind Energy|energy|mid_market',
    'Meridian Media Group|media|enterprise',
    'Juniper Street Dental|healthcare|small_business',
    'County of San Lorenzo|public_sector|enterprise',
  ],
  CA: [
    'Northern Lights Credit Union|financial_services|mid_market',
    'Fraser River Timber|manufacturing|mid_market',
    'Laurentian Health Network|healthcare|enterprise',
    'Maple Leaf Dairy Cooperative|manufacturing|enterprise',
    'Ville de Saint-Rémi|public_sector|small_business',
  ],
  BR: [
    'Agropecuária Vale Verde|manufacturing|mid_market',
    'Hospital Santa Luzia do Recife|healthcare|enterprise',
    'Transportadora Paulista|logistics|mid_market',
    'Banco Cooperativo Sertão|financial_services|enterprise',
    'Lojas Beira-Mar|retail|mid_market',
  ],
  MX: [
    'Grupo Industrial Monterrey Norte|manufacturing|enterprise',
    'Farmacias del Bajío|retail|mid_market',
    'Autotransportes Sierra Madre|logistics|mid_market',
  ],
  JP: [
    '株式会社さくら物流|logistics|enterprise|sakura-butsuryu',
    '東海精密工業株式会社|manufacturing|mid_market|tokai-seimitsu',
    'みなと総合病院|healthcare|mid_market|minato-hospital',
    'Hokkaido Dairy Cooperative|manufacturing|mid_market',
    '株式会社青葉銀行|financial_services|enterprise|aoba-bank',
  ],
  CN: [
    '上海云启科技有限公司|telecommunications|mid_market|yunqi-tech',
    '深圳星河智能制造有限公司|manufacturing|enterprise|xinghe-manufacturing',
    '杭州青禾零售连锁有限公司|retail|mid_market|qinghe-retail',
    '广州南粤物流股份有限公司|logistics|enterprise|nanyue-logistics',
    '成都天府能源有限公司|energy|enterprise|tianfu-energy',
    'Suzhou Lakeside Electronics Co., Ltd.|manufacturing|mid_market',
  ],
  IN: [
    'Ganga Textiles Pvt Ltd|manufacturing|mid_market',
    'Nilgiri Care Hospitals|healthcare|enterprise',
    'Konkan Fisheries Ltd|manufacturing|small_business',
    'Vidarbha Power Distribution|energy|enterprise',
    'Indus Mobile Networks|telecommunications|enterprise',
  ],
  AU: [
    'Wattle Creek Mining|energy|enterprise',
    'Harbourside Health|healthcare|mid_market',
    'Murray Basin Grain Co-op|manufacturing|mid_market',
    'Southern Coast Credit Union|financial_services|mid_market',
    'Shire of Yarrabend|public_sector|small_business',
  ],
  NZ: ['Kauri Coast Dairy|manufacturing|mid_market'],
  IR: [
    'شرکت فناوری پارس|telecommunications|mid_market|parstech',
    'گروه صنعتی سپاهان|manufacturing|enterprise|sepahan-industrial',
    'بیمارستان مهر تهران|healthcare|mid_market|mehr-hospital',
    'پخش سراسری البرز|logistics|mid_market|alborz-distribution',
    'بانک توسعه کویر|financial_services|enterprise|kavir-bank',
    'نیروگاه خورشیدی یزد|energy|mid_market|yazd-solar',
  ],
  AE: [
    'Al Noor Trading LLC|retail|mid_market',
    'Emirates Crescent Hospital|healthcare|enterprise',
    'شركة الواحة للطاقة|energy|enterprise|alwaha-energy',
  ],
  SA: ['Riyadh Modern Contracting|manufacturing|enterprise'],
  QA: ['Pearl Bay Hospitality|retail|mid_market'],
  SG: [
    'Lion City Fintech Pte Ltd|financial_services|mid_market',
    'Straits Marine Services|logistics|enterprise',
    'Orchard Health Clinics|healthcare|small_business',
  ],
  MY: ['Klang Valley Logistics Sdn Bhd|logistics|mid_market'],
  ID: ['PT Nusantara Retail|retail|enterprise'],
  ZA: [
    'Karoo Solar (Pty) Ltd|energy|mid_market',
    'Cape Vineyards Cooperative|retail|mid_market',
    'Joburg Metro Clinics|healthcare|mid_market',
  ],
  // No partner covers these countries: their leads come back unroutable.
  KE: ['Nairobi Fresh Produce Ltd|retail|mid_market', 'Mombasa Port Services|logistics|enterprise'],
  AR: ['Estancia Digital SA|retail|mid_market', 'Frigorífico Pampa Sur|manufacturing|enterprise'],
  NG: ['Lagos Harbour Logistics|logistics|enterprise'],
};

/** Records partners brought with them; they stay theirs (and the vendor's). */
const CONTRIBUTED: [ownerSlug: string, country: string, entry: string][] = [
  ['bayern-datentechnik', 'DE', 'Brennerei Lindenhof|retail|small_business'],
  ['pennine-networks', 'GB', 'Ashby Precision Castings|manufacturing|small_business'],
  ['lone-star-data-group', 'US', 'Pecos Valley Oil Services|energy|mid_market'],
  ['kanto-data-works', 'JP', '株式会社みどり薬局|healthcare|small_business|midori-pharmacy'],
  ['alborz-network-engineering', 'IR', 'کلینیک دندانپزشکی آرمان|healthcare|small_business|arman-dental'],
  ['huaxia-cloud-partners', 'CN', '苏州湖畔精密模具有限公司|manufacturing|mid_market|huban-mould'],
];

function parse(country: string, entry: string, ownerSlug: string | null): CustomerSeed {
  const [name, industry, sizeSegment, stem] = entry.split('|') as [string, string, SizeSegment, string?];
  return { name, country, industry, sizeSegment, domain: `${stem ?? slugify(name)}.example`, ownerSlug };
}

export const CUSTOMERS: CustomerSeed[] = [
  ...Object.entries(BY_COUNTRY).flatMap(([country, entries]) => entries.map((e) => parse(country, e, null))),
  ...CONTRIBUTED.map(([owner, country, entry]) => parse(country, entry, owner)),
];
