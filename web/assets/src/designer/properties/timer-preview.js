// Under a timer's value: its next firing times (POST urls.timerPreview), each marked as a working
// day or a day off on the official calendar.
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { post } from '../api.js';

const KINDS = [ 'timeDate', 'timeDuration', 'timeCycle' ];

export function timerOf(element) {
  const definitions = getBusinessObject(element).eventDefinitions || [];
  const timer = definitions.find(definition => definition.$type === 'bpmn:TimerEventDefinition');
  if (!timer) {
    return null;
  }
  const kind = KINDS.find(name => timer.get(name));
  return { kind, value: kind ? (timer.get(kind).get('body') || '') : '' };
}

export function TimerPreview(props) {
  const { element, id } = props;
  const translate = useService('translate');
  const config = useService('sqflowConfig');
  const timer = timerOf(element) || {};
  const [ answer, setAnswer ] = useState(null);

  useEffect(() => {
    setAnswer(null);
    if (!timer.kind || !timer.value.trim()) {
      return undefined;
    }
    let current = true;
    const timeout = setTimeout(async () => {
      try {
        const result = await post(config.urls.timerPreview, { kind: timer.kind, value: timer.value });
        if (current) {
          setAnswer(result);
        }
      } catch (error) {
        if (current) {
          setAnswer({ problem: translate('Cannot check now.') });
        }
      }
    }, 300);
    return () => {
      current = false;
      clearTimeout(timeout);
    };
  }, [ timer.kind, timer.value ]);

  if (!answer) {
    return null;
  }
  let body;
  if (answer.problem) {
    body = h('div', { class: 'sqflow-check sqflow-check-error' }, answer.problem);
  } else if (answer.expression) {
    body = h('div', { class: 'sqflow-check' }, translate('Its value is known when the process runs.'));
  } else {
    body = h('ul', { class: 'sqflow-firings' }, answer.firings.map(firing => h('li', {
      class: firing.workday ? 'workday' : 'day-off'
    }, firing.label + ' · ' + translate(firing.workday ? 'working day' : 'day off'))));
  }
  return h('div', { class: 'bio-properties-panel-entry sqflow-timer-preview', 'data-entry-id': id }, [
    h('label', { class: 'bio-properties-panel-label' }, translate('Next firing times')), body
  ]);
}
