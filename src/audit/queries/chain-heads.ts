/** What the anchors read of the chain_heads read model (its read side, projections/chain-heads). */
export { ANCHOR_STREAM, readHeadsAfter, type ChainHead } from '../../../projections/chain-heads/chain-heads.queries.js';
