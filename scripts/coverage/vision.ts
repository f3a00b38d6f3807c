import { coverFamily } from '../cover-family.ts';

/** Every type the vision plugin synthesizes, on cpu (see scripts/cover-family.ts). */
export default () => coverFamily('vision');
