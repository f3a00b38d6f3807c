/**
 * Which config types are parts of another: a composite config class declares its parts as
 * `sub_configs = {"vision_config": SiglipVisionConfig, "text_config": AutoConfig}`, so
 * `siglip_vision_model` is the vision tower of `siglip`. Types named for another type's module
 * (`aria_text` in module `aria`) that no declaration reaches are placed by their name.
 */
import type { SubConfigRole } from '../types.ts';
import { tokenizeBalanced } from './python.ts';
import type { SourceTree } from './source.ts';

/** The role a sub-config key (`vision_config`) or a type-name suffix (`_vision_model`) gives. */
export function roleOf(name: string): SubConfigRole {
  const n = name.toLowerCase();
  if (/audio|speech|codec|acoustic|vocoder|dac|wav|mel|sound|voice/.test(n)) return 'audio';
  if (/vision|image|visual|video|backbone|vq|pixel|vit|swin|resnet|dinov|hiera|convnext|sam/.test(n)) return 'vision';
  if (/text|language|llm|lm_config|thinker|talker/.test(n)) return 'text';
  if (/encoder/.test(n)) return 'encoder';
  if (/decoder/.test(n)) return 'decoder';
  return 'other';
}

/** `class XConfig(...)` -> its `sub_configs` keys and the config class each names. */
function declarations(source: string): Map<string, [key: string, configClass: string][]> {
  const out = new Map<string, [string, string][]>();
  const classRe = /^class (\w+)\(/gm;
  const starts = [...source.matchAll(classRe)].map((m) => ({ name: m[1], at: m.index }));
  for (const [i, c] of starts.entries()) {
    const body = source.slice(c.at, starts[i + 1]?.at ?? source.length);
    const m = /^\s+sub_configs\s*(?::[^=\n]*)?=\s*\{/m.exec(body);
    if (!m) continue;
    try {
      const { tokens } = tokenizeBalanced(body, m.index + m[0].length - 1);
      const parts: [string, string][] = [];
      for (let k = 0; k + 2 < tokens.length; k++) {
        const [key, colon, value] = [tokens[k], tokens[k + 1], tokens[k + 2]];
        if (key.kind === 'str' && colon.value === ':' && value.kind === 'word' && value.value !== 'AutoConfig')
          parts.push([key.value, value.value]);
      }
      if (parts.length) out.set(c.name, parts);
    } catch {
      // an unbalanced literal declares nothing we can read
    }
  }
  return out;
}

const moduleOf = (type: string, special: Map<string, string[]>) => special.get(type)?.[0] ?? type.replace(/-/g, '_');

/**
 * Child type -> the type that holds it and its role, for every sub-config type of the release.
 * A type that several composites name (siglip_vision_model in siglip, gemma3, paligemma...)
 * belongs to the one in its own module.
 */
export function subConfigParents(
  tree: SourceTree,
  config: Map<string, string[]>,
  special: Map<string, string[]>,
): Map<string, { parent: string; role: SubConfigRole }> {
  const typesOfClass = new Map<string, string[]>();
  for (const [type, [cls]] of config) typesOfClass.set(cls, [...(typesOfClass.get(cls) ?? []), type]);
  const candidates = new Map<string, { parent: string; role: SubConfigRole }[]>();
  for (const file of tree.list('models').filter((f) => /\/configuration_[^/]+\.py$/.test(f))) {
    for (const [parentClass, parts] of declarations(tree.read(file) ?? '')) {
      for (const parent of typesOfClass.get(parentClass) ?? []) {
        for (const [key, childClass] of parts) {
          for (const child of typesOfClass.get(childClass) ?? []) {
            if (child === parent) continue;
            candidates.set(child, [...(candidates.get(child) ?? []), { parent, role: roleOf(key) }]);
          }
        }
      }
    }
  }
  const out = new Map<string, { parent: string; role: SubConfigRole }>();
  for (const [child, links] of candidates) {
    const own = links.filter((l) => moduleOf(l.parent, special) === moduleOf(child, special));
    // A full model reused as another's part (a backbone) is not a sub-config of it.
    if (own.length) out.set(child, own.sort((a, b) => a.parent.length - b.parent.length)[0]);
  }
  const byModule = new Map<string, string>();
  for (const type of config.keys())
    if (moduleOf(type, special) === type.replace(/-/g, '_')) byModule.set(type.replace(/-/g, '_'), type);
  for (const child of config.keys()) {
    if (out.has(child)) continue;
    const parent = byModule.get(moduleOf(child, special));
    // Never a cycle: a composite named for the model it wraps (fastspeech2_conformer_with_hifigan).
    if (
      parent &&
      parent !== child &&
      out.get(parent)?.parent !== child &&
      config.get(parent)?.[0] !== config.get(child)?.[0]
    )
      out.set(child, { parent, role: roleOf(child.slice(parent.length)) });
  }
  return out;
}
