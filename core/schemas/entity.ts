import { documentSchema, object, oneOfValues, text } from './common.js';

/** The value types an entity key may have, as Feast's entity key serialization knows them. */
export const ENTITY_VALUE_TYPES = ['string', 'int32', 'int64'] as const;

/** `Entity`: the thing features are about, and the key they are stored under. */
export const entitySchema = documentSchema(
  'Entity',
  'An entity: the business object features describe (a transaction, a user) and its join key.',
  object(
    'What identifies the entity.',
    {
      joinKey: text('Column and online-store key name holding the entity id, e.g. `user_id`.', {
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      }),
      valueType: oneOfValues('Type of the join key values.', ENTITY_VALUE_TYPES, { default: 'string' }),
      description: text('What the entity is.'),
    },
    ['joinKey'],
  ),
);
