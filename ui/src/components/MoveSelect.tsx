import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';

/** A stage a deal can be moved to, with its label ("Move to Proposal"). */
export interface Move {
  key: string;
  label: string;
}

/**
 * A card's "Move to" menu. A choice made with the mouse moves the deal at
 * once; with the keyboard, the arrows only pick a stage (a closed select
 * changes on every arrow press) and Enter, or leaving the menu, moves it.
 * Escape puts the menu back.
 *
 * Until it is first reached (focus or pointer) the select holds only the
 * deal's own stage: it looks the same, and a board of hundreds of cards
 * does not build (and lay out) six options for each. The others are added
 * before the browser opens the menu or takes an arrow key.
 */
export default function MoveSelect<D extends { stage: string }>({ deal, moves, onMove, label }: {
  deal: D;
  moves: Move[];
  onMove: (d: D, s: string) => void;
  label: string;
}) {
  const [picked, setPicked] = useState(deal.stage);
  const [reached, setReached] = useState(false);
  const byKeyboard = useRef(false);
  // The stage last asked for, so that Enter then leaving asks once.
  const asked = useRef(deal.stage);
  useEffect(() => {
    setPicked(deal.stage);
    asked.current = deal.stage;
  }, [deal.stage]);
  const commit = (stage: string) => {
    if (stage === deal.stage || stage === asked.current) return;
    asked.current = stage;
    onMove(deal, stage);
  };
  // Synchronously: the browser opens the menu right after this event.
  const reach = () => {
    if (!reached) flushSync(() => setReached(true));
  };
  const own = moves.filter((m) => m.key === picked);
  const shown = reached || own.length === 0 ? moves : own;
  return (
    <select
      value={picked}
      aria-label={label}
      onPointerDown={reach}
      onFocus={reach}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit(picked);
        } else if (e.key === 'Escape') {
          setPicked(deal.stage);
        } else {
          byKeyboard.current = true;
        }
      }}
      onChange={(e) => {
        setPicked(e.target.value);
        if (!byKeyboard.current) commit(e.target.value);
        byKeyboard.current = false;
      }}
      onBlur={() => commit(picked)}
    >
      {shown.map((m) => (
        <option key={m.key} value={m.key}>
          {m.label}
        </option>
      ))}
    </select>
  );
}
