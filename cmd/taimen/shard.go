package main

import "github.com/taimen-dev/taimen/shard"

// parseShard reads run --shard, else $TAIMEN_SHARD ("" for the whole run).
func parseShard(flag string, e env) (shard.Shard, error) {
	v := flag
	if v == "" {
		v = e.getenv(shard.EnvShard)
	}
	if v == "" {
		return shard.Shard{}, nil
	}
	s, err := shard.Parse(v)
	if err != nil {
		return shard.Shard{}, usageError{err}
	}
	return s, nil
}
