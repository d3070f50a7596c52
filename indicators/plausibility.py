"""Plausibility ceilings: a count or an amount no territory could reach is refused at upload.

The catalogue's own bounds come first (`indicateurs.csv`, columns min and max: a percentage
is at most 100, the communes covered at most 100). Where the catalogue sets no maximum, the
ceiling is derived from the population of the territory the value is given for (its latest
`POP_MUNICIPALE` in the reference; a structure or a sector: the sum of its communes):

- a count of people or things (`nombre`, `habitants`, `etp`): at most twice the population
  (a commune's population grows, a structure's users may come from next door; `1e308`
  children never do);
- an amount (`euros`): at most 10 000 € per inhabitant;
- with no known population: at most a billion (`ABSOLUTE_CEILING`).

    >>> ceilings = Ceilings(ref)
    >>> ceilings.of(ref.by_code["PE_PLACES_EAJE"], "62119")
    (50684.0, '2 × la population de Béthune (25 342 habitants)')
"""

from __future__ import annotations

from indicators.catalogue import Indicator, Reference
from indicators.formatting import format_number

POPULATION_INDICATORS = ("POP_MUNICIPALE", "POP_TOTALE")
PEOPLE_FACTOR = 2
EUROS_PER_INHABITANT = 10_000
ABSOLUTE_CEILING = 1e9


class Ceilings:
    """The plausibility ceiling of each (indicator, territory) of a reference."""

    def __init__(self, ref: Reference) -> None:
        names = {t.code: t.nom for t in ref.territories}
        latest: dict[str, tuple[str, float]] = {}
        for obs in ref.observations:
            if obs.indicateur == POPULATION_INDICATORS[0]:
                if obs.territoire not in latest or obs.periode > latest[obs.territoire][0]:
                    latest[obs.territoire] = (obs.periode, obs.valeur)
        population = {code: value for code, (_, value) in latest.items()}
        members: dict[str, list[str]] = {}
        for m in ref.memberships:
            members.setdefault(m.groupe, []).append(m.commune)
        communes = [t.code for t in ref.territories if t.type == "commune"]
        for t in ref.territories:
            if t.code in population:
                continue
            group = communes if t.type == "epci" else members.get(t.code, [])
            known = [population[c] for c in group if c in population]
            if known and len(known) == len(group):
                population[t.code] = float(sum(known))
        self.population = population
        self.names = names

    def ceiling(self, ind: Indicator, territory: str) -> float | None:
        """The ceiling alone (see `of`), without its French explanation."""
        if ind.max is not None or ind.unite not in ("nombre", "habitants", "etp", "euros"):
            return None
        people = self.population.get(territory)
        if people is None:
            return ABSOLUTE_CEILING
        return EUROS_PER_INHABITANT * people if ind.unite == "euros" else PEOPLE_FACTOR * people

    def of(self, ind: Indicator, territory: str) -> tuple[float, str] | None:
        """(ceiling, how it is derived, in French) for a value of `ind` in `territory`; None
        when the catalogue's own maximum applies (or the indicator is not a count or amount)."""
        ceiling = self.ceiling(ind, territory)
        if ceiling is None:
            return None
        people = self.population.get(territory)
        if people is None:
            return ceiling, "un milliard (population du territoire inconnue)"
        shown = f"{self.names.get(territory, territory)} ({format_number(people, None, ' ')} habitants)"
        if ind.unite == "euros":
            return ceiling, f"{format_number(EUROS_PER_INHABITANT, None, ' ')} € par habitant de {shown}"
        return ceiling, f"{PEOPLE_FACTOR} × la population de {shown}"
