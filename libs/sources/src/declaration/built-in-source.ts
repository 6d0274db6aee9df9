import { KeyTemplate } from './key-template';
import { BUILT_IN_SOURCE, HealPolicy, OnChange, SourceDeclaration } from './source-declaration';

export interface BuiltInSettings {
  /** POLARIS_SCHEMA: where the items table lives. */
  schema: string;
  /** CACHE_KEY_PREFIX: an item's key is this prefix and its id. */
  keyPrefix: string;
  onChange: OnChange;
  heal: HealPolicy;
}

/**
 * The demo's items as a source: checked by the same code as every declared one. Its changes are
 * captured by its own trigger (item_changes, see capture/), so no capture is installed for it.
 */
export function builtInDeclaration(s: BuiltInSettings): SourceDeclaration {
  return {
    name: BUILT_IN_SOURCE,
    table: `${s.schema}.items`,
    primaryKey: ['id'],
    version: 'version',
    onChange: s.onChange,
    heal: s.heal,
    capture: 'trigger',
    keys: [
      {
        template: KeyTemplate.prefixed(s.keyPrefix, 'id'),
        format: 'json',
        fields: { id: 'id', name: 'name', value: 'value', version: 'version' },
      },
    ],
  };
}
