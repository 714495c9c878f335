package dev.nncj.lowrank;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import java.util.Locale;

/** How the rank of one weight's factorization is chosen from its singular values. */
public sealed interface RankRule {
    /** The rank for a matrix with these singular values (between 1 and its full rank). */
    int rank(Svd svd);

    /** r = round(ratio * min(m, n)), at least 1: the rank ratio. */
    record Ratio(double ratio) implements RankRule {
        public Ratio {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new OptionException("rank ratio must be in (0, 1], got " + ratio);
            }
        }

        @Override
        public int rank(Svd svd) {
            return (int) Math.max(1, Math.min(svd.fullRank(), Math.round(ratio * svd.fullRank())));
        }

        @Override
        public String toString() {
            return "ratio " + ratio;
        }
    }

    /** The smallest rank keeping this fraction of sum s_i^2: the energy rule. */
    record Energy(double fraction) implements RankRule {
        public Energy {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new OptionException("energy must be in (0, 1], got " + fraction);
            }
        }

        @Override
        public int rank(Svd svd) {
            return svd.rankForEnergy(fraction);
        }

        @Override
        public String toString() {
            return "energy " + fraction;
        }
    }

    /** A fixed rank, capped at the matrix's full rank. */
    record Fixed(int rank) implements RankRule {
        public Fixed {
            if (rank < 1) {
                throw new OptionException("rank must be at least 1, got " + rank);
            }
        }

        @Override
        public int rank(Svd svd) {
            return Math.min(rank, svd.fullRank());
        }

        @Override
        public String toString() {
            return "rank " + rank;
        }
    }

    /** "96" is a fixed rank, "0.25" a ratio of full rank (a decimal point tells them apart). */
    static RankRule parse(String text) {
        String t = text.strip();
        try {
            if (t.contains(".")) {
                return new Ratio(Double.parseDouble(t));
            }
            return new Fixed(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new OptionException(String.format(Locale.ROOT,
                    "'%s' is neither a rank (an integer such as 96) nor a ratio of full rank (such as 0.25)", text));
        }
    }
}
