import { coverFamily } from '../cover-family.ts';

/** Every type the speech plugin synthesizes, on cpu (see scripts/cover-family.ts). */
export default () => coverFamily('speech');
