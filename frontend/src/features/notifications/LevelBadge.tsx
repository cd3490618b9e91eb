import { LEVEL_LABELS, levelOf } from "./levels";
import styles from "./notifications.module.css";
import type { NotificationLevel } from "./types";

/** The level, written and coloured (see notifications.module.css for the contrast). */
export function LevelBadge({ level }: { level: NotificationLevel | string }) {
  const known = levelOf(level);
  return (
    <span className={[styles.level, styles[known]].filter(Boolean).join(" ")} data-level={known}>
      {LEVEL_LABELS[known]}
    </span>
  );
}
