// The helpers live in the domain, which the workers import and never the other way round.
export { chunk, mapWithConcurrency } from '../app/domain/concurrency';
