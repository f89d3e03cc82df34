import type { Geo } from '../data/login-store';

/** Cities a simulated workforce logs in from; each entry is one LoginGeo shape (not localized, per LoginGeo docs). */
export interface City extends Geo {
  /** First two octets of the addresses handed out in this city. */
  ipPrefix: [number, number];
}

const city = (
  name: string,
  country: string,
  countryIso: string,
  subdivision: string,
  postalCode: string,
  latitude: number,
  longitude: number,
  ipPrefix: [number, number],
): City => ({ city: name, country, countryIso, subdivision, postalCode, latitude, longitude, ipPrefix });

export const CITIES: readonly City[] = [
  city('New York', 'United States', 'US', 'New York', '10001', 40.7128, -74.006, [64, 12]),
  city('San Francisco', 'United States', 'US', 'California', '94105', 37.7749, -122.4194, [64, 22]),
  city('Chicago', 'United States', 'US', 'Illinois', '60601', 41.8781, -87.6298, [64, 32]),
  city('Austin', 'United States', 'US', 'Texas', '78701', 30.2672, -97.7431, [64, 42]),
  city('Atlanta', 'United States', 'US', 'Georgia', '30303', 33.749, -84.388, [64, 52]),
  city('Seattle', 'United States', 'US', 'Washington', '98101', 47.6062, -122.3321, [64, 62]),
  city('Toronto', 'Canada', 'CA', 'Ontario', 'M5H', 43.6532, -79.3832, [99, 12]),
  city('London', 'United Kingdom', 'GB', 'England', 'EC1A', 51.5074, -0.1278, [81, 12]),
  city('Manchester', 'United Kingdom', 'GB', 'England', 'M1', 53.4808, -2.2426, [81, 22]),
  city('Dublin', 'Ireland', 'IE', 'Leinster', 'D02', 53.3498, -6.2603, [87, 12]),
  city('Paris', 'France', 'FR', 'Île-de-France', '75001', 48.8566, 2.3522, [90, 12]),
  city('Berlin', 'Germany', 'DE', 'Berlin', '10115', 52.52, 13.405, [91, 12]),
  city('Munich', 'Germany', 'DE', 'Bavaria', '80331', 48.1351, 11.582, [91, 22]),
  city('Amsterdam', 'Netherlands', 'NL', 'North Holland', '1012', 52.3676, 4.9041, [92, 12]),
  city('Madrid', 'Spain', 'ES', 'Madrid', '28001', 40.4168, -3.7038, [93, 12]),
  city('Bangalore', 'India', 'IN', 'Karnataka', '560001', 12.9716, 77.5946, [117, 12]),
  city('Tokyo', 'Japan', 'JP', 'Tokyo', '100-0001', 35.6762, 139.6503, [126, 12]),
  city('Sydney', 'Australia', 'AU', 'New South Wales', '2000', -33.8688, 151.2093, [101, 12]),
  city('Singapore', 'Singapore', 'SG', 'Central Singapore', '018989', 1.3521, 103.8198, [103, 12]),
  city('São Paulo', 'Brazil', 'BR', 'São Paulo', '01000', -23.5505, -46.6333, [177, 12]),
];

/** Where integration traffic comes from: cloud regions, one per integration user. */
export const DATACENTERS: readonly City[] = [
  city('Ashburn', 'United States', 'US', 'Virginia', '20147', 39.0438, -77.4874, [52, 4]),
  city('Boardman', 'United States', 'US', 'Oregon', '97818', 45.8399, -119.7006, [54, 18]),
  city('Frankfurt am Main', 'Germany', 'DE', 'Hesse', '60311', 50.1109, 8.6821, [18, 156]),
];

/** Places attacks come from; none is a home city, so they are new countries for everyone. */
export const HOSTILE_CITIES: readonly City[] = [
  city('Lagos', 'Nigeria', 'NG', 'Lagos', '100001', 6.5244, 3.3792, [105, 112]),
  city('Moscow', 'Russia', 'RU', 'Moscow', '101000', 55.7558, 37.6173, [95, 24]),
  city('Hanoi', 'Vietnam', 'VN', 'Hanoi', '100000', 21.0278, 105.8342, [113, 160]),
  city('Bucharest', 'Romania', 'RO', 'Bucharest', '010011', 44.4268, 26.1025, [86, 120]),
];

export const FIRST_NAMES = [
  'Ava',
  'Liam',
  'Olivia',
  'Noah',
  'Emma',
  'Oliver',
  'Sophia',
  'Elijah',
  'Mia',
  'Lucas',
  'Amelia',
  'Mateo',
  'Harper',
  'Ethan',
  'Aria',
  'James',
  'Chloe',
  'Aiden',
  'Priya',
  'Arjun',
  'Yuki',
  'Hana',
  'Lea',
  'Jonas',
  'Camille',
  'Hugo',
  'Sofia',
  'Diego',
  'Aisha',
  'Omar',
  'Zoe',
  'Leo',
  'Nora',
  'Felix',
  'Ines',
  'Marco',
];
export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Garcia',
  'Brown',
  'Miller',
  'Davis',
  'Martinez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Patel',
  'Sharma',
  'Tanaka',
  'Sato',
  'Müller',
  'Schmidt',
  'Dubois',
  'Laurent',
  'Rossi',
  'Silva',
  'Santos',
  'Kim',
  'Nguyen',
  "O'Brien",
  'Murphy',
  'Cohen',
  'Novak',
];
export const DEPARTMENTS = ['Sales', 'Service', 'Marketing', 'Finance', 'Operations', 'IT', 'Legal', 'HR'];
export const TITLES = [
  'Account Executive',
  'Sales Manager',
  'Support Agent',
  'Analyst',
  'Director',
  'Engineer',
  'Coordinator',
];

export const BROWSERS = ['Chrome 124', 'Chrome 125', 'Edge 124', 'Firefox 126', 'Safari 17', 'Safari 18'];
export const PLATFORMS = ['Windows 10', 'Windows 11', 'Mac OSX', 'Linux'];
export const MOBILE_APPS = [
  { application: 'Salesforce for iOS', platform: 'iPhone', browser: 'Salesforce Mobile' },
  { application: 'Salesforce for Android', platform: 'Android 14', browser: 'Salesforce Mobile' },
];
export const INTEGRATION_APPS = [
  'Identity Collector',
  'MuleSoft Connector',
  'Data Loader',
  'Marketing Sync',
  'ERP Bridge',
];

export const TIME_ZONES: Record<string, string> = {
  US: 'America/New_York',
  CA: 'America/Toronto',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  NL: 'Europe/Amsterdam',
  ES: 'Europe/Madrid',
  IN: 'Asia/Kolkata',
  JP: 'Asia/Tokyo',
  AU: 'Australia/Sydney',
  SG: 'Asia/Singapore',
  BR: 'America/Sao_Paulo',
};

/** Great-circle distance, for keeping clean data free of impossible travel. */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
) {
  const toRad = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = toRad(b.latitude - a.latitude);
  const dLon = toRad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRad(a.latitude)) * Math.cos(toRad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
