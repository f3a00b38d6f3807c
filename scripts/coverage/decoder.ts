import { coverFamily } from '../cover-family.ts';

/** Every type the decoder plugin synthesizes, on cpu (see scripts/cover-family.ts). */
export default () => coverFamily('decoder');
