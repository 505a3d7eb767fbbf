/**
 * English local authorities (GIAS codes) with an approximate centre, the number of state-funded
 * schools they hold (rounded, used as weights), how built-up they are and a typical % FSM.
 * Good enough to place synthetic schools plausibly; not a gazetteer.
 */
export type LaKind = 'london' | 'metropolitan' | 'unitary' | 'county';

export interface LocalAuthorityPlace {
  code: number;
  name: string;
  region: string;
  lat: number;
  lon: number;
  schools: number;
  kind: LaKind;
  fsm: number;
}

const NE = 'North East';
const NW = 'North West';
const YH = 'Yorkshire and the Humber';
const EM = 'East Midlands';
const WM = 'West Midlands';
const EE = 'East of England';
const LDN = 'London';
const SE = 'South East';
const SW = 'South West';

// [code, name, region, lat, lon, schools, kind, fsm]
const rows: [number, string, string, number, number, number, LaKind, number][] = [
  [202, 'Camden', LDN, 51.546, -0.162, 60, 'london', 36],
  [203, 'Greenwich', LDN, 51.476, 0.044, 90, 'london', 30],
  [204, 'Hackney', LDN, 51.545, -0.055, 75, 'london', 38],
  [205, 'Hammersmith and Fulham', LDN, 51.492, -0.223, 55, 'london', 33],
  [206, 'Islington', LDN, 51.538, -0.103, 60, 'london', 40],
  [207, 'Kensington and Chelsea', LDN, 51.499, -0.194, 40, 'london', 30],
  [208, 'Lambeth', LDN, 51.46, -0.117, 80, 'london', 37],
  [209, 'Lewisham', LDN, 51.445, -0.02, 90, 'london', 32],
  [210, 'Southwark', LDN, 51.47, -0.073, 95, 'london', 36],
  [211, 'Tower Hamlets', LDN, 51.515, -0.033, 95, 'london', 45],
  [212, 'Wandsworth', LDN, 51.456, -0.192, 85, 'london', 26],
  [213, 'Westminster', LDN, 51.512, -0.155, 55, 'london', 35],
  [301, 'Barking and Dagenham', LDN, 51.546, 0.129, 60, 'london', 30],
  [302, 'Barnet', LDN, 51.62, -0.2, 125, 'london', 20],
  [303, 'Bexley', LDN, 51.455, 0.15, 80, 'london', 18],
  [304, 'Brent', LDN, 51.558, -0.28, 85, 'london', 28],
  [305, 'Bromley', LDN, 51.38, 0.05, 100, 'london', 14],
  [306, 'Croydon', LDN, 51.37, -0.09, 120, 'london', 27],
  [307, 'Ealing', LDN, 51.513, -0.32, 95, 'london', 26],
  [308, 'Enfield', LDN, 51.652, -0.08, 100, 'london', 32],
  [309, 'Haringey', LDN, 51.588, -0.11, 80, 'london', 32],
  [310, 'Harrow', LDN, 51.58, -0.34, 60, 'london', 19],
  [311, 'Havering', LDN, 51.57, 0.21, 85, 'london', 20],
  [312, 'Hillingdon', LDN, 51.54, -0.45, 100, 'london', 22],
  [313, 'Hounslow', LDN, 51.47, -0.37, 80, 'london', 25],
  [314, 'Kingston upon Thames', LDN, 51.39, -0.29, 50, 'london', 13],
  [315, 'Merton', LDN, 51.41, -0.19, 60, 'london', 20],
  [316, 'Newham', LDN, 51.53, 0.03, 95, 'london', 35],
  [317, 'Redbridge', LDN, 51.576, 0.07, 80, 'london', 20],
  [318, 'Richmond upon Thames', LDN, 51.44, -0.33, 60, 'london', 12],
  [319, 'Sutton', LDN, 51.36, -0.19, 60, 'london', 15],
  [320, 'Waltham Forest', LDN, 51.59, -0.01, 80, 'london', 26],
  [330, 'Birmingham', WM, 52.48, -1.9, 440, 'metropolitan', 40],
  [331, 'Coventry', WM, 52.41, -1.51, 130, 'metropolitan', 30],
  [332, 'Dudley', WM, 52.5, -2.09, 115, 'metropolitan', 26],
  [333, 'Sandwell', WM, 52.51, -2.01, 125, 'metropolitan', 35],
  [334, 'Solihull', WM, 52.41, -1.78, 80, 'metropolitan', 20],
  [335, 'Walsall', WM, 52.59, -1.98, 120, 'metropolitan', 33],
  [336, 'Wolverhampton', WM, 52.59, -2.13, 110, 'metropolitan', 35],
  [340, 'Knowsley', NW, 53.45, -2.85, 70, 'metropolitan', 42],
  [341, 'Liverpool', NW, 53.41, -2.98, 190, 'metropolitan', 40],
  [342, 'St. Helens', NW, 53.45, -2.74, 70, 'metropolitan', 28],
  [343, 'Sefton', NW, 53.5, -3.0, 115, 'metropolitan', 26],
  [344, 'Wirral', NW, 53.37, -3.07, 125, 'metropolitan', 29],
  [350, 'Bolton', NW, 53.58, -2.43, 125, 'metropolitan', 30],
  [351, 'Bury', NW, 53.59, -2.3, 85, 'metropolitan', 24],
  [352, 'Manchester', NW, 53.48, -2.24, 190, 'metropolitan', 42],
  [353, 'Oldham', NW, 53.54, -2.11, 105, 'metropolitan', 33],
  [354, 'Rochdale', NW, 53.62, -2.16, 95, 'metropolitan', 33],
  [355, 'Salford', NW, 53.49, -2.29, 100, 'metropolitan', 35],
  [356, 'Stockport', NW, 53.41, -2.15, 115, 'metropolitan', 20],
  [357, 'Tameside', NW, 53.48, -2.08, 100, 'metropolitan', 30],
  [358, 'Trafford', NW, 53.42, -2.33, 95, 'metropolitan', 16],
  [359, 'Wigan', NW, 53.55, -2.63, 130, 'metropolitan', 25],
  [370, 'Barnsley', YH, 53.55, -1.48, 95, 'metropolitan', 30],
  [371, 'Doncaster', YH, 53.52, -1.13, 130, 'metropolitan', 30],
  [372, 'Rotherham', YH, 53.43, -1.36, 120, 'metropolitan', 29],
  [373, 'Sheffield', YH, 53.38, -1.47, 175, 'metropolitan', 30],
  [380, 'Bradford', YH, 53.79, -1.75, 215, 'metropolitan', 33],
  [381, 'Calderdale', YH, 53.72, -1.86, 105, 'metropolitan', 26],
  [382, 'Kirklees', YH, 53.65, -1.78, 185, 'metropolitan', 26],
  [383, 'Leeds', YH, 53.8, -1.55, 270, 'metropolitan', 29],
  [384, 'Wakefield', YH, 53.68, -1.5, 150, 'metropolitan', 27],
  [390, 'Gateshead', NE, 54.95, -1.6, 85, 'metropolitan', 33],
  [391, 'Newcastle upon Tyne', NE, 54.98, -1.62, 100, 'metropolitan', 37],
  [392, 'North Tyneside', NE, 55.02, -1.5, 80, 'metropolitan', 27],
  [393, 'South Tyneside', NE, 54.97, -1.43, 65, 'metropolitan', 35],
  [394, 'Sunderland', NE, 54.9, -1.38, 120, 'metropolitan', 35],
  [800, 'Bath and North East Somerset', SW, 51.37, -2.4, 80, 'unitary', 15],
  [801, 'Bristol, City of', SW, 51.45, -2.59, 160, 'unitary', 28],
  [802, 'North Somerset', SW, 51.39, -2.8, 80, 'unitary', 17],
  [803, 'South Gloucestershire', SW, 51.53, -2.45, 115, 'unitary', 15],
  [805, 'Hartlepool', NE, 54.68, -1.21, 40, 'unitary', 38],
  [806, 'Middlesbrough', NE, 54.57, -1.23, 50, 'unitary', 45],
  [807, 'Redcar and Cleveland', NE, 54.58, -1.06, 60, 'unitary', 33],
  [808, 'Stockton-on-Tees', NE, 54.57, -1.32, 80, 'unitary', 30],
  [810, 'Kingston upon Hull, City of', YH, 53.74, -0.33, 100, 'unitary', 40],
  [811, 'East Riding of Yorkshire', YH, 53.84, -0.43, 160, 'unitary', 16],
  [812, 'North East Lincolnshire', YH, 53.56, -0.08, 65, 'unitary', 32],
  [813, 'North Lincolnshire', YH, 53.6, -0.6, 80, 'unitary', 24],
  [815, 'North Yorkshire', YH, 54.15, -1.4, 370, 'county', 15],
  [816, 'York', YH, 53.96, -1.08, 65, 'unitary', 14],
  [821, 'Luton', EE, 51.88, -0.42, 75, 'unitary', 28],
  [822, 'Bedford', EE, 52.14, -0.47, 80, 'unitary', 20],
  [823, 'Central Bedfordshire', EE, 52.0, -0.45, 130, 'unitary', 15],
  [825, 'Buckinghamshire', SE, 51.78, -0.8, 240, 'unitary', 12],
  [826, 'Milton Keynes', SE, 52.04, -0.76, 120, 'unitary', 22],
  [830, 'Derbyshire', EM, 53.1, -1.55, 420, 'county', 20],
  [831, 'Derby', EM, 52.92, -1.47, 95, 'unitary', 28],
  [838, 'Dorset', SW, 50.75, -2.33, 170, 'unitary', 16],
  [839, 'Bournemouth, Christchurch and Poole', SW, 50.73, -1.88, 95, 'unitary', 18],
  [840, 'County Durham', NE, 54.72, -1.7, 270, 'unitary', 31],
  [841, 'Darlington', NE, 54.52, -1.55, 45, 'unitary', 29],
  [845, 'East Sussex', SE, 50.92, 0.2, 190, 'county', 22],
  [846, 'Brighton and Hove', SE, 50.84, -0.14, 80, 'unitary', 23],
  [850, 'Hampshire', SE, 51.05, -1.2, 530, 'county', 16],
  [851, 'Portsmouth', SE, 50.8, -1.07, 65, 'unitary', 30],
  [852, 'Southampton', SE, 50.91, -1.4, 80, 'unitary', 31],
  [855, 'Leicestershire', EM, 52.68, -1.15, 290, 'county', 14],
  [856, 'Leicester', EM, 52.63, -1.13, 115, 'unitary', 31],
  [857, 'Rutland', EM, 52.66, -0.64, 20, 'unitary', 10],
  [860, 'Staffordshire', WM, 52.8, -2.05, 430, 'county', 18],
  [861, 'Stoke-on-Trent', WM, 53.0, -2.18, 90, 'unitary', 33],
  [865, 'Wiltshire', SW, 51.3, -1.95, 240, 'unitary', 14],
  [866, 'Swindon', SW, 51.56, -1.78, 80, 'unitary', 22],
  [867, 'Bracknell Forest', SE, 51.41, -0.75, 40, 'unitary', 14],
  [868, 'Windsor and Maidenhead', SE, 51.49, -0.68, 65, 'unitary', 11],
  [869, 'West Berkshire', SE, 51.43, -1.32, 80, 'unitary', 12],
  [870, 'Reading', SE, 51.45, -0.97, 50, 'unitary', 23],
  [871, 'Slough', SE, 51.51, -0.59, 45, 'unitary', 25],
  [872, 'Wokingham', SE, 51.41, -0.87, 70, 'unitary', 9],
  [873, 'Cambridgeshire', EE, 52.3, 0.05, 260, 'county', 17],
  [874, 'Peterborough', EE, 52.57, -0.24, 80, 'unitary', 27],
  [876, 'Halton', NW, 53.34, -2.72, 65, 'unitary', 35],
  [877, 'Warrington', NW, 53.39, -2.59, 90, 'unitary', 20],
  [878, 'Devon', SW, 50.75, -3.75, 370, 'county', 18],
  [879, 'Plymouth', SW, 50.38, -4.14, 95, 'unitary', 29],
  [880, 'Torbay', SW, 50.45, -3.55, 40, 'unitary', 31],
  [881, 'Essex', EE, 51.78, 0.55, 550, 'county', 19],
  [882, 'Southend-on-Sea', EE, 51.55, 0.71, 50, 'unitary', 24],
  [883, 'Thurrock', EE, 51.5, 0.35, 55, 'unitary', 23],
  [884, 'Herefordshire', WM, 52.08, -2.75, 95, 'unitary', 17],
  [885, 'Worcestershire', WM, 52.2, -2.2, 250, 'county', 19],
  [886, 'Kent', SE, 51.2, 0.75, 590, 'county', 22],
  [887, 'Medway', SE, 51.39, 0.54, 100, 'unitary', 26],
  [888, 'Lancashire', NW, 53.8, -2.6, 620, 'county', 22],
  [889, 'Blackburn with Darwen', NW, 53.73, -2.48, 75, 'unitary', 32],
  [890, 'Blackpool', NW, 53.82, -3.04, 45, 'unitary', 42],
  [891, 'Nottinghamshire', EM, 53.1, -1.0, 350, 'county', 21],
  [892, 'Nottingham', EM, 52.95, -1.15, 100, 'unitary', 38],
  [893, 'Shropshire', WM, 52.65, -2.75, 160, 'unitary', 16],
  [894, 'Telford and Wrekin', WM, 52.7, -2.49, 80, 'unitary', 28],
  [895, 'Cheshire East', NW, 53.16, -2.3, 160, 'unitary', 15],
  [896, 'Cheshire West and Chester', NW, 53.2, -2.75, 160, 'unitary', 20],
  [908, 'Cornwall', SW, 50.4, -4.9, 280, 'unitary', 23],
  [916, 'Gloucestershire', SW, 51.85, -2.2, 290, 'county', 17],
  [919, 'Hertfordshire', EE, 51.8, -0.25, 520, 'county', 15],
  [921, 'Isle of Wight', SE, 50.68, -1.3, 50, 'unitary', 26],
  [925, 'Lincolnshire', EM, 53.1, -0.2, 370, 'county', 21],
  [926, 'Norfolk', EE, 52.65, 1.0, 420, 'county', 23],
  [929, 'Northumberland', NE, 55.2, -1.9, 165, 'unitary', 25],
  [931, 'Oxfordshire', SE, 51.75, -1.3, 290, 'county', 15],
  [933, 'Somerset', SW, 51.1, -3.0, 260, 'unitary', 19],
  [935, 'Suffolk', EE, 52.2, 1.0, 330, 'county', 19],
  [936, 'Surrey', SE, 51.25, -0.4, 400, 'county', 11],
  [937, 'Warwickshire', WM, 52.3, -1.55, 250, 'county', 17],
  [938, 'West Sussex', SE, 50.95, -0.45, 280, 'county', 16],
  [940, 'North Northamptonshire', EM, 52.4, -0.7, 150, 'unitary', 22],
  [941, 'West Northamptonshire', EM, 52.23, -0.95, 180, 'unitary', 20],
  [942, 'Cumberland', NW, 54.6, -3.2, 140, 'unitary', 23],
  [943, 'Westmorland and Furness', NW, 54.35, -2.8, 130, 'unitary', 18],
];

export const ENGLISH_LOCAL_AUTHORITIES: LocalAuthorityPlace[] = rows.map(([code, name, region, lat, lon, schools, kind, fsm]) => ({
  code,
  name,
  region,
  lat,
  lon,
  schools,
  kind,
  fsm,
}));

/** Typical spread of schools around an authority's centre, in km (one standard deviation). */
export const SPREAD_KM: Record<LaKind, number> = { london: 2.5, metropolitan: 5, unitary: 7, county: 22 };

/** England's bounding box, to keep every synthetic site on the map. */
export const ENGLAND_BOUNDS = { south: 49.96, north: 55.8, west: -5.7, east: 1.76 };
