// bpmn-js-token-simulation writes its texts in English straight into the page: in Chinese, its
// elements' texts and titles are translated as they appear.
const ZH_SIMULATION = {
  'Token Simulation': '令牌模拟', 'Finished': '已结束', 'Found unsupported elements': '有模拟不支持的元素',
  'Not supported': '不支持', 'Pause Simulation': '暂停模拟', 'Play Simulation': '开始模拟',
  'Reset Simulation': '重置模拟', 'Toggle Simulation Log': '显示/隐藏模拟日志', 'Play/Pause Simulation': '开始/暂停模拟',
  'Set Sequence Flow': '选择下一条顺序流', 'Trigger Event': '触发事件', 'Simulation Log': '模拟日志',
  'Process': '流程', 'SubProcess': '子流程', 'Service Task': '服务任务', 'User Task': '用户任务', 'Call Activity': '调用活动',
  'Script Task': '脚本任务', 'Business Rule Task': '业务规则任务', 'Manual Task': '手工任务', 'Receive Task': '接收任务',
  'Send Task': '发送任务', 'Task': '任务', 'Exclusive Gateway': '排他网关', 'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关', 'Start Event': '开始事件', 'Intermediate Event': '中间事件',
  'Boundary Event': '边界事件', 'End Event': '结束事件', 'Close': '关闭'
};
const PATTERNS = [
  [ /^Set animation speed = (.*)$/, m => '动画速度：' + ({ Slow: '慢', Normal: '正常', Fast: '快' }[m[1]] || m[1]) ],
  [ /^Focus process instance (.*)$/, m => '查看流程实例 ' + m[1] ],
  [ /^(.*) started$/, m => (ZH_SIMULATION[m[1]] || m[1]) + '已开始' ],
  [ /^(.*) finished$/, m => (ZH_SIMULATION[m[1]] || m[1]) + '已结束' ]
];

function zh(text) {
  const trimmed = text.trim();
  if (!trimmed) {
    return text;
  }
  if (ZH_SIMULATION[trimmed]) {
    return text.replace(trimmed, ZH_SIMULATION[trimmed]);
  }
  const found = PATTERNS.find(([ pattern ]) => pattern.test(trimmed));
  return found ? text.replace(trimmed, found[1](trimmed.match(found[0]))) : text;
}

function translateTree(root) {
  if (root.nodeType === 3) {
    const parent = root.parentElement;
    if (parent && parent.closest('[class*="bts-"]')) {
      const changed = zh(root.nodeValue);
      if (changed !== root.nodeValue) {
        root.nodeValue = changed;
      }
    }
    return;
  }
  if (root.nodeType !== 1) {
    return;
  }
  const elements = [ root, ...root.querySelectorAll('*') ].filter(element => element.closest('[class*="bts-"]'));
  elements.forEach(element => {
    if (element.title) {
      element.title = zh(element.title);
    }
    if (element.getAttribute('aria-label')) {
      element.setAttribute('aria-label', zh(element.getAttribute('aria-label')));
    }
    element.childNodes.forEach(node => node.nodeType === 3 && translateTree(node));
  });
}

export function translateSimulation(container, locale) {
  if (!/^zh/.test(locale || '')) {
    return;
  }
  translateTree(container);
  new MutationObserver(mutations => mutations.forEach(mutation => {
    if (mutation.type === 'characterData') {
      translateTree(mutation.target);
    } else {
      mutation.addedNodes.forEach(translateTree);
    }
  })).observe(container, { childList: true, subtree: true, characterData: true });
}
