import { TopicTrie, topicMatches } from '../../src/bindings/topic-trie';

describe('AMQP topic matching', () => {
  it.each([
    ['call.A.*.*', 'call.A.CHANNEL_CREATE.x', true],
    ['call.A.*.*', 'call.B.CHANNEL_CREATE.x', false],
    ['call.A.*', 'call.A.CHANNEL_CREATE.x', false],
    ['call.#', 'call', true],
    ['call.#', 'call.A.B.C', true],
    ['call.#.x', 'call.A.B.x', true],
    ['call.#.x', 'call.A.B.y', false],
    ['#', 'anything.at.all', true],
    ['a.*.c', 'a..c', true],
  ])('%s against %s → %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('returns the values of every matching pattern, once each', () => {
    const trie = new TopicTrie<string>();
    trie.add('call.A.CHANNEL_CREATE.*', 'create');
    trie.add('call.A.*.*', 'all');
    trie.add('call.B.*.*', 'other');
    trie.add('call.#', 'hash');
    expect([...trie.match('call.A.CHANNEL_CREATE.x')].sort()).toEqual(['all', 'create', 'hash']);
  });

  it('prunes empty branches, so add/remove cycles leave nothing behind', () => {
    const trie = new TopicTrie<number>();
    for (let i = 0; i < 5000; i++) {
      trie.add(`call.acct${i % 50}.*.${i}`, i);
      trie.remove(`call.acct${i % 50}.*.${i}`, i);
    }
    expect(trie.size).toBe(0);
    expect(trie.match('call.acct1.X.1').size).toBe(0);
    // Internal structure is empty too: a fresh pattern is the only thing found.
    trie.add('x', 1);
    expect(trie.size).toBe(1);
  });

  it('removing an absent pair changes nothing', () => {
    const trie = new TopicTrie<number>();
    trie.add('a.b', 1);
    trie.remove('a.b', 2);
    trie.remove('a.c', 1);
    expect([...trie.match('a.b')]).toEqual([1]);
  });
});
