import { useEffect, useRef, useState } from 'react';

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
 */
export default function MoveSelect<D extends { stage: string }>({ deal, moves, onMove, label }: {
  deal: D;
  moves: Move[];
  onMove: (d: D, s: string) => void;
  label: string;
}) {
  const [picked, setPicked] = useState(deal.stage);
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
  return (
    <select
      value={picked}
      aria-label={label}
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
      {moves.map((m) => (
        <option key={m.key} value={m.key}>
          {m.label}
        </option>
      ))}
    </select>
  );
}
